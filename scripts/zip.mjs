/**
 * A ZIP archive (PKWARE APPNOTE 6.3, deflate or stored, no ZIP64) of a folder's files, for the
 * Assistant's downloads (scripts/build-extension.mjs): `/` offers the built extension as
 * `assistant-<browser>.zip` (portal/routes/assistant/[name]/+server.ts). Entries in path order with
 * a fixed time, so the same build gives the same bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

/** 1980-01-01 00:00 in MS-DOS time and date: the earliest a ZIP entry can say. */
const dosTime = 0;
const dosDate = (0 << 9) | (1 << 5) | 1;

/** Every file under `dir`, as paths relative to it with `/`, sorted. */
function filesUnder(dir, root = dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path, root));
    else if (entry.isFile()) found.push(relative(root, path).split(sep).join('/'));
  }
  return found.sort();
}

/**
 * The files under `dir` as one ZIP archive (folders implied by the paths).
 *
 * @throws RangeError when the archive would need ZIP64 (more than 65,535 files or 4 GiB).
 * @example
 * ```js
 * writeFileSync('dist/extension/assistant-chromium.zip', zipFolder('dist/extension/chromium'));
 * ```
 */
export function zipFolder(dir) {
  const files = filesUnder(dir);
  if (files.length > 0xffff) throw new RangeError('too many files for a ZIP without ZIP64');
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const name of files) {
    const data = readFileSync(join(dir, name));
    const packed = deflateRawSync(data, { level: 9 });
    const deflated = packed.length < data.length;
    const body = deflated ? packed : data;
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // names in UTF-8
    local.writeUInt16LE(deflated ? 8 : 0, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(deflated ? 8 : 0, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
    if (offset > 0xffffffff) throw new RangeError('too large for a ZIP without ZIP64');
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
