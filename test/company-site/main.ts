/**
 * `npm run company-site`: the reference company against the clearinghouse at `CLEARINGHOUSE_URL`
 * (default http://localhost:3000), listening on `COMPANY_SITE_PORT` (default 4000), keeping its
 * key and feed cursor in `test/company-site/data/` (`COMPANY_SITE_DATA` overrides). The operator
 * asks it to replace its key with `npx tsx test/company-site/admin.ts replace-key` (admin.ts).
 */
import { fileURLToPath } from 'node:url';
import { startCompanySite } from './site';

const port = Number(process.env.COMPANY_SITE_PORT?.trim() || 4000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  throw new Error('COMPANY_SITE_PORT must be a port number from 0 to 65535.');
}

const site = await startCompanySite({
  clearinghouseUrl: process.env.CLEARINGHOUSE_URL?.trim() || 'http://localhost:3000',
  dataDir:
    process.env.COMPANY_SITE_DATA?.trim() || fileURLToPath(new URL('./data', import.meta.url)),
  port,
});
console.log(`company-site: shop page at ${site.origin}/ (Ctrl+C stops it)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void site.stop().then(() => process.exit(0));
  });
}
