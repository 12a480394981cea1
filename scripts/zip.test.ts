/**
 * scripts/zip.mjs, read back by Info-ZIP's `unzip` (Debian's, which `npm test` installs with the
 * rest when missing, see scripts/setup.mjs): every file with its bytes, names in UTF-8, the same
 * bytes for the same folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { zipFolder } from './zip.mjs';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'zip-test-'));
  dirs.push(dir);
  return dir;
};

it('packs every file of a folder so that unzip reads them back byte for byte', () => {
  const source = scratch();
  const files: Record<string, Buffer> = {
    'manifest.json': Buffer.from('{"manifest_version":3}\n'.repeat(50)), // deflates
    'icons/icon-16.png': randomBytes(3000), // does not: stored
    'ui/dashboard/index.html': Buffer.from('<!doctype html>'),
    '_locales/de/messages.json': Buffer.from('{"name":{"message":"Assistent für Einwilligungen"}}'),
    'ümlaut/leer.txt': Buffer.alloc(0),
  };
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(join(source, name, '..'), { recursive: true });
    writeFileSync(join(source, name), bytes);
  }
  const archive = join(scratch(), 'a.zip');
  const zipped = zipFolder(source);
  writeFileSync(archive, zipped);
  expect(zipFolder(source).equals(zipped)).toBe(true);

  execFileSync('unzip', ['-tq', archive]); // throws on a bad CRC or structure
  const listed = execFileSync('unzip', ['-Z1', archive], { encoding: 'utf8' }).trim().split('\n');
  expect(listed).toEqual(Object.keys(files).sort());
  const out = scratch();
  execFileSync('unzip', ['-q', archive, '-d', out]);
  for (const [name, bytes] of Object.entries(files)) {
    expect(readFileSync(join(out, name)).equals(bytes), name).toBe(true);
  }
  // The text deflated (method 8), the random bytes stored (method 0): each entry's method, read
  // from its central directory record.
  const methods = new Map<string, number>();
  const end = zipped.length - 22; // the end record (no comment)
  let at = zipped.readUInt32LE(end + 16); // where the central directory starts
  for (let entry = 0; entry < zipped.readUInt16LE(end + 10); entry++) {
    expect(zipped.readUInt32LE(at)).toBe(0x02014b50);
    const nameLength = zipped.readUInt16LE(at + 28);
    methods.set(
      zipped.toString('utf8', at + 46, at + 46 + nameLength),
      zipped.readUInt16LE(at + 10),
    );
    at += 46 + nameLength;
  }
  expect(methods.get('manifest.json')).toBe(8);
  expect(methods.get('icons/icon-16.png')).toBe(0);
  expect(methods.size).toBe(Object.keys(files).length);
});
