/**
 * The Assistant's filter (issue 8, DESIGN section 9):
 * - plain decisions per second on one core (no crypto), bar 1,000,000;
 * - offers opened, verified and decided per second against one raw Ed25519 verify (node:crypto)
 *   plus one raw `crypto_box_seal_open` (libsodium) measured in the same run, bar 0.7;
 * - learner updates per second;
 * - the quality figures on the synthetic customers of `bench/filter-customers.ts`: precision and
 *   recall of automatic mode on the true interests after 0, 10, 20, 50 and 100 feedback events,
 *   averaged over many seeds (bar after 50: precision >= 0.9, recall >= 0.8).
 *
 *   npm run bench:filter
 *
 * Rates are the median of short slices (as in bench/protocol.bench.ts), so a neighbour's burst
 * on the shared machine moves single slices, not the figure; ours and the ceiling alternate
 * slice by slice and the ratio is the median of the per-pair ratios.
 */
import { cpus } from 'node:os';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { createKeyObjectCache } from '../portal/lib/server/ed25519';
import type { SignatureVerifier } from '../protocol/jws';
import { base64urlDecode, base64urlEncode, utf8Encode } from '../protocol/encoding';
import { signCompact } from '../protocol/jws';
import { importPublicJwk, keyPairFromSeed, publicJwk } from '../protocol/keys';
import { exampleMessages, exampleTimes } from '../protocol/messages/examples';
import { defaultProfile } from '../protocol/profile';
import { sealTo } from '../protocol/seal';
import {
  boxSealOpen,
  ed25519PkToCurve25519,
  ed25519SkToCurve25519,
  ready,
} from '../protocol/sodium';
import {
  compileFilter,
  createLearner,
  createRng,
  decide,
  openOffer,
  type FilterGrant,
  type FilterOffer,
} from '../protocol/filter';
import { generateCustomer, learningCurve, nextOffer } from './filter-customers';

const DECISIONS_BAR = 1_000_000;
const RATIO_BAR = 0.7;
const PRECISION_BAR = 0.9;
const RECALL_BAR = 0.8;
const RUN_MS = 1500;
const WARMUP_MS = 300;
const SLICE_MS = 20;
const SEEDS = Number(process.env.FILTER_BENCH_SEEDS ?? 200);
/**
 * The customers the quality figures are reported on: seeds 1001-1200 by default, a range chosen
 * before the learner was tuned (on seeds 1-100) and disjoint from it, so the figures are on data
 * nobody tuned for (docs/filter.md, "The generator and the quality figures").
 */
const FIRST_SEED = Number(process.env.FILTER_BENCH_FIRST_SEED ?? 1001);

type Op = () => unknown;

async function secondsPerCall(op: Op, calls: number, isAsync: boolean): Promise<number> {
  const start = performance.now();
  if (isAsync) for (let i = 0; i < calls; i++) await op();
  else for (let i = 0; i < calls; i++) op();
  return (performance.now() - start) / 1000 / calls;
}

async function calibrate(op: Op): Promise<{ calls: number; isAsync: boolean }> {
  const isAsync = op() instanceof Promise;
  if (isAsync) await op();
  const warmupEnd = performance.now() + WARMUP_MS;
  let perCall = 0;
  while (performance.now() < warmupEnd) perCall = await secondsPerCall(op, 64, isAsync);
  return { calls: Math.max(1, Math.round(SLICE_MS / 1000 / perCall)), isAsync };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function measure(op: Op): Promise<number> {
  const { calls, isAsync } = await calibrate(op);
  const rates: number[] = [];
  const end = performance.now() + RUN_MS;
  while (performance.now() < end) rates.push(1 / (await secondsPerCall(op, calls, isAsync)));
  return median(rates);
}

async function compare(
  ours: Op,
  ceiling: Op,
): Promise<{ ours: number; ceiling: number; ratio: number }> {
  const o = await calibrate(ours);
  const c = await calibrate(ceiling);
  const oursRates: number[] = [];
  const ceilingRates: number[] = [];
  const pairs: number[] = [];
  const end = performance.now() + 2 * RUN_MS;
  while (performance.now() < end) {
    const ceilingRate = 1 / (await secondsPerCall(ceiling, c.calls, c.isAsync));
    const oursRate = 1 / (await secondsPerCall(ours, o.calls, o.isAsync));
    ceilingRates.push(ceilingRate);
    oursRates.push(oursRate);
    pairs.push(oursRate / ceilingRate);
  }
  return { ours: median(oursRates), ceiling: median(ceilingRates), ratio: median(pairs) };
}

function row(name: string, opsPerSecond: number): string {
  const ops = Math.round(opsPerSecond).toLocaleString('en-US');
  const micros = (1e6 / opsPerSecond).toFixed(2);
  return `${name.padEnd(58)}${ops.padStart(12)}${micros.padStart(10)}`;
}

/** Plain decisions: a synthetic customer in automatic mode with quiet hours, caps and a blacklist. */
async function plainDecisions(): Promise<{ rate: number; actions: string }> {
  const customer = generateCustomer(42);
  const profile = {
    ...customer.profile,
    quiet: {
      timeZone: 'Europe/Berlin',
      windows: [{ days: [1, 2, 3, 4, 5, 6, 7], from: '22:00', to: '07:00' }],
    },
    caps: { perWeek: 50, perCompanyPerWeek: 10 },
  };
  const learner = createLearner({ seed: 42, interests: profile.interests });
  const filter = compileFilter({
    profile,
    blacklist: [
      {
        id: 'a'.repeat(32),
        target: { kind: 'brand', brand: customer.companies[0]!.brands[0]! },
        reason: 'irrelevant',
        at: 0,
      },
    ],
    grants: JSON.parse(JSON.stringify(customer.companies.map((c) => c.grant))) as FilterGrant[],
    history: [],
    learner,
    seed: 42,
  });
  // Thursday 2026-07-02 12:00 UTC (14:00 in Berlin): outside quiet hours, so every rule runs.
  const at = 1_782_993_600;
  const rng = createRng(9);
  // Through JSON, as offers come out of the vault and out of verified payloads: flat strings. (The
  // generator's strings are concatenations, which V8 compares and hashes several times slower.)
  const offers = JSON.parse(
    JSON.stringify(Array.from({ length: 1024 }, (_, i) => nextOffer(customer, rng, at - 60, i))),
  ) as FilterOffer[];
  const counts: Record<string, number> = {};
  for (const o of offers) {
    const a = decide(filter, o, at).action;
    counts[a] = (counts[a] ?? 0) + 1;
  }
  let i = 0;
  const op = () => decide(filter, offers[i++ & 1023]!, at);
  return {
    rate: await measure(op),
    actions: Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
  };
}

/** Opened + verified + decided against raw verify + raw sealed-box open. */
async function openedDecisions(): Promise<{
  ours: number;
  ceiling: number;
  ratio: number;
  action: string;
}> {
  await ready();
  const company = keyPairFromSeed(new Uint8Array(32).fill(21));
  const customer = keyPairFromSeed(new Uint8Array(32).fill(22));
  const companyKey = importPublicJwk(publicJwk(company));
  const resolveKey = (kid: string) => (kid === companyKey.kid ? companyKey : undefined);
  const inner = await signCompact({
    kind: 'offer-content',
    keyPair: company,
    payload: exampleMessages['offer-content'],
  });
  const sealedBytes = sealTo(customer.publicKey, inner);
  const outer = await signCompact({
    kind: 'offer',
    keyPair: company,
    payload: { ...exampleMessages.offer, sealed: base64urlEncode(sealedBytes) },
  });
  // Thursday 2026-01-01 18:30 in Berlin: inside the example grant's weekday 18:00-21:00 window,
  // so the offer is delivered after every rule ran (a hold would add the release search).
  const now = exampleTimes.iat + 63_000;
  const grant: FilterGrant = {
    sha256: exampleMessages.offer.grantSha256,
    active: { grant: exampleMessages.grant, revocations: [] },
  };
  const profile = {
    ...defaultProfile('de', 'Europe/Berlin'),
    channels: { allowed: ['newsletter' as const], preferred: null },
    interests: [{ category: 'sports', weight: 1 }],
  };
  const filter = compileFilter({ profile, blacklist: [], grants: [grant], history: [] });
  // Verified synchronously with node:crypto, the ceiling's own primitive: the Assistant verifies
  // in its page, on its thread. (The server's fallback, nodeEd25519Verify, hands each
  // verification to libuv's pool; in this one-at-a-time loop that hop is waiting, not work, and
  // measured the pool's dispatch instead of our code: ratio 0.49-0.55 from 14a06d6 on.)
  const keyObjectOf = createKeyObjectCache((publicKey) =>
    createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
      format: 'jwk',
    }),
  );
  const syncVerify: SignatureVerifier = (signature, message, publicKey) =>
    nodeVerify(null, message, keyObjectOf(publicKey), signature);
  const options = { resolveKey, now, verifySignature: syncVerify };
  const ours = async () => decide(filter, (await openOffer(outer, customer, options)).offer, now);
  const action = (await ours()).action;

  // The ceiling: one node:crypto verify of the inner JWS, one libsodium crypto_box_seal_open.
  const [h, p, s] = inner.split('.');
  const signingInput = Buffer.from(`${h}.${p}`, 'ascii');
  const signature = Buffer.from(base64urlDecode(s!));
  const nodeKey = createPublicKey({ key: { ...publicJwk(company) }, format: 'jwk' });
  const curvePublic = ed25519PkToCurve25519(customer.publicKey);
  const curveSecret = ed25519SkToCurve25519(customer.privateKey);
  const ceiling = () => {
    if (!nodeVerify(null, signingInput, nodeKey, signature)) throw new Error('raw verify failed');
    return boxSealOpen(sealedBytes, curvePublic, curveSecret);
  };
  if (utf8Encode(inner).length !== (ceiling() as Uint8Array).length)
    throw new Error('raw open failed');
  return { ...(await compare(ours, ceiling)), action };
}

async function learnerUpdates(): Promise<number> {
  const customer = generateCustomer(7);
  const learner = createLearner({ seed: 7 });
  const rng = createRng(3);
  const features = Array.from({ length: 1024 }, (_, i) => {
    const o = nextOffer(customer, rng, 1_767_225_600 + i * 3600, i);
    return learner.features(
      {
        category: o.inner.category,
        brand: o.inner.brand,
        company: o.inner.iss,
        channel: o.inner.channel,
        purpose: o.inner.purpose,
        price: o.price,
        hour: i % 24,
        weekday: 1 + (i % 7),
      },
      true,
    );
  });
  const answers = ['liked', 'opened', 'dismissed', 'ignored'] as const;
  let i = 0;
  return measure(() => {
    const k = i++ & 1023;
    return learner.learn(features[k]!, answers[k & 3]!);
  });
}

async function main(): Promise<void> {
  console.log(
    `filter bench: node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, ${new Date().toISOString()}`,
  );
  console.log(
    `each rate: median of ${SLICE_MS} ms slices over ~${RUN_MS / 1000} s after ${WARMUP_MS} ms warm-up\n`,
  );
  const plain = await plainDecisions();
  const opened = await openedDecisions();
  const updates = await learnerUpdates();
  console.log(`${'operation'.padEnd(58)}${'ops/s'.padStart(12)}${'µs/op'.padStart(10)}`);
  console.log(row(`plain decision (automatic mode; ${plain.actions})`, plain.rate));
  console.log(row(`offer opened + verified + decided (${opened.action})`, opened.ours));
  console.log(row('raw Ed25519 verify + raw crypto_box_seal_open (ceiling)', opened.ceiling));
  console.log(row('learner update', updates));

  const checkpoints = [0, 10, 20, 50, 100];
  const started = performance.now();
  const curve = learningCurve(SEEDS, checkpoints, FIRST_SEED);
  console.log(
    `\nlearning curve, ${SEEDS} synthetic customers, seeds ${FIRST_SEED}-${FIRST_SEED + SEEDS - 1} (learner tuned on 1-100; ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `${'events'.padStart(8)}${'precision'.padStart(12)}${'recall'.padStart(10)}${'model precision'.padStart(18)}`,
  );
  for (const p of curve) {
    console.log(
      `${String(p.events).padStart(8)}${p.precision.toFixed(3).padStart(12)}${p.recall.toFixed(3).padStart(10)}${p.modelPrecision.toFixed(3).padStart(18)}`,
    );
  }
  const at50 = curve[checkpoints.indexOf(50)]!;
  const verdicts = [
    [
      `plain decisions/s ${Math.round(plain.rate).toLocaleString('en-US')}, bar ${DECISIONS_BAR.toLocaleString('en-US')}`,
      plain.rate >= DECISIONS_BAR,
    ],
    [
      `opened+verified+decided / raw = ${opened.ratio.toFixed(2)}, bar ${RATIO_BAR}`,
      opened.ratio >= RATIO_BAR,
    ],
    [
      `precision after 50 events ${at50.precision.toFixed(3)} (model ${at50.modelPrecision.toFixed(3)}), bar ${PRECISION_BAR}`,
      at50.precision >= PRECISION_BAR,
    ],
    [
      `recall after 50 events ${at50.recall.toFixed(3)}, bar ${RECALL_BAR}`,
      at50.recall >= RECALL_BAR,
    ],
  ] as const;
  console.log('');
  for (const [text, ok] of verdicts) console.log(`${text}: ${ok ? 'PASS' : 'FAIL'}`);
  if (verdicts.some(([, ok]) => !ok)) process.exitCode = 1;
}

await main();
