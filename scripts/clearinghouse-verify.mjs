#!/usr/bin/env node
/**
 * The `clearinghouse-verify` command (package.json `bin`): loads scripts/verify.ts through tsx's
 * loader, so the auditor's verifier runs from source without a build step.
 */
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./verify.ts');
await main();
