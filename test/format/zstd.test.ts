// The zstd fallback: zstddec (wasm) decompresses what zstd-napi compressed, rejects a bad frame
// checksum, and the reader gives the same records and verdicts when SECREC_ZSTD=wasm forces it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptureReader, DATA_PREFIX_LEN, chainNext, chainSeed, decodeEnd, encodeDataPrefix, encodeEnd, newCompressor, newInflater, prefixFields, zstdBackend, type RecordInit, type ZstdBackend } from '../../format/index.js';
import { initWasm } from '../../format/zstd.js';
import { tmp, writeCapture } from '../helpers.js';
import { piecesOf } from './surgery.js';

const BACKENDS: ZstdBackend[] = ['zstd-napi', 'zstddec'];
const FIXTURE = 'fixtures/incident.cap';

function compress(raw: Buffer): Buffer {
  const c = newCompressor();
  c.setParameters({ compressionLevel: 3, checksumFlag: true, contentSizeFlag: true });
  return c.compress(raw);
}

/** Reads a capture in a child process on the given backend (the choice is made once per process). */
function readIn(path: string, backend: 'wasm' | 'native'): { backend: string; records: number; frames: number; verdict: string; issues: string[]; digest: string } {
  const script = `
    import { CaptureReader, zstdBackend } from './dist/format/index.js';
    import { createHash } from 'node:crypto';
    const r = new CaptureReader(process.argv[1]);
    const h = createHash('sha256'); let records = 0, frames = 0;
    for await (const f of r.frames()) { frames++; for (const x of f.records) { records++; h.update(JSON.stringify(x, (k, v) => typeof v === 'bigint' ? String(v) : v)); } }
    console.log(JSON.stringify({ backend: zstdBackend, records, frames, verdict: r.integrity().verdict, issues: r.issues.map((i) => i.kind + '@' + i.frame), digest: h.digest('hex') }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, path], { env: { ...process.env, SECREC_ZSTD: backend } });
  return JSON.parse(out.toString());
}

function manyRecords(n: number): RecordInit[] {
  return Array.from({ length: n }, (_, i) => ({
    ts: 1000 + i, pid: 100 + (i % 7), tid: 100 + (i % 7), uid: 0, ppid: 1, cpu: 0, comm: Buffer.from('cat'),
    open: { path: Buffer.from(`/etc/file-${i}`), ret: i % 3 ? 3 : -13, flags: 0, dirfd: -100 },
  }));
}

beforeAll(async () => { await initWasm(); });

describe('zstd inflaters', () => {
  const raws = [Buffer.from('hello '.repeat(5000)), Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7919) & 0xff)), Buffer.from('x')];

  it('this process uses zstd-napi where it loads', () => {
    expect(zstdBackend).toBe(process.env['SECREC_ZSTD'] === 'wasm' ? 'zstddec' : 'zstd-napi');
  });

  for (const b of BACKENDS) {
    it(`${b} decompresses zstd-napi frames exactly`, () => {
      const inf = newInflater(b);
      for (const raw of raws) {
        const out = Buffer.alloc(raw.length);
        expect(inf.decompress(out, compress(raw))).toBe(raw.length);
        expect(out.equals(raw)).toBe(true);
      }
    });

    it(`${b} rejects a frame whose content checksum is wrong, and data damage`, () => {
      const inf = newInflater(b);
      const raw = raws[0]!;
      const z = compress(raw);
      const badSum = Buffer.from(z);
      badSum[badSum.length - 1]! ^= 0x01; // the last 4 bytes are the XXH64 content checksum
      expect(() => inf.decompress(Buffer.alloc(raw.length), badSum)).toThrow();
      const badData = Buffer.from(z);
      badData[badData.length >> 1]! ^= 0x55;
      expect(() => inf.decompress(Buffer.alloc(raw.length), badData)).toThrow();
      // the inflater is still usable after a failure
      const out = Buffer.alloc(raw.length);
      inf.decompress(out, z);
      expect(out.equals(raw)).toBe(true);
    });
  }
});

describe('reader on the wasm fallback (SECREC_ZSTD=wasm)', () => {
  it('reads the fixture to the same records as zstd-napi', () => {
    const w = readIn(FIXTURE, 'wasm');
    const n = readIn(FIXTURE, 'native');
    expect(w.backend).toBe('zstddec');
    expect(n.backend).toBe('zstd-napi');
    expect(w.records).toBeGreaterThan(10);
    expect(w).toEqual({ ...n, backend: 'zstddec' });
    expect(w.verdict).toBe('intact');
  });

  it('reads a multi-frame capture to the same records as zstd-napi', () => {
    const { path } = writeCapture(manyRecords(3000), { frameBytes: 4096 });
    const w = readIn(path, 'wasm');
    expect(w.frames).toBeGreaterThan(10);
    expect(w.verdict).toBe('intact');
    expect(w).toEqual({ ...readIn(path, 'native'), backend: 'zstddec' });
  });

  it('finds a bad zstd checksum in a frame whose SHA-256 chain is valid', async () => {
    const { bytes } = writeCapture(manyRecords(2000), { frameBytes: 4096 });
    const pieces = piecesOf(bytes);
    expect(pieces.length).toBeGreaterThan(3);
    // Rebuild the file with frame 2's checksum flipped and the chain recomputed: only zstd can tell.
    const parts: Buffer[] = [bytes.subarray(0, pieces[0]!.at)];
    let chain = chainSeed();
    pieces.forEach((p, i) => {
      const z = Buffer.from(p.z);
      if (i === 2) z[z.length - 1]! ^= 0x01;
      const fields = { index: p.prefix.index, compressedLen: z.length, uncompressedLen: p.prefix.uncompressedLen, records: p.prefix.records, flags: p.prefix.flags };
      chain = chainNext(chain, prefixFields(fields), z);
      parts.push(encodeDataPrefix({ ...fields, chain }), z);
    });
    const last = pieces.at(-1)!;
    const end = decodeEnd(bytes, last.at + DATA_PREFIX_LEN + last.prefix.compressedLen)!;
    parts.push(encodeEnd({ ...end, chain }));
    const path = join(tmp(), 'badsum.cap');
    writeFileSync(path, Buffer.concat(parts));
    const found = readIn(path, 'native').issues;
    expect(found.filter((i) => !i.startsWith('frame-gap')), 'the chain is valid: only zstd finds frame 2').toEqual(['corrupt-frame@2']);
    for (const b of ['wasm', 'native'] as const) {
      const r = readIn(path, b);
      expect(r.verdict, b).toBe('damaged');
      expect(r.issues, b).toContain('corrupt-frame@2');
    }
    // In this process too (zstd-napi): same finding.
    const rd = new CaptureReader(path);
    for await (const _ of rd.records()) { /* drain */ }
    expect(rd.issues.map((i) => `${i.kind}@${i.frame}`)).toContain('corrupt-frame@2');
  });
});
