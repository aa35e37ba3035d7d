// The one place that loads zstd. Decompression: zstd-napi's native binding when it loads, else the
// zstddec WebAssembly build of libzstd, so the analyzer runs where zstd-napi could not compile.
// Both are libzstd, so both verify each frame's content checksum. SECREC_ZSTD=wasm forces the fallback.
// Compression (the recorder) needs zstd-napi.
import { createRequire } from 'node:module';
import type { ZSTDDecoder } from 'zstddec';

export type ZstdBackend = 'zstd-napi' | 'zstddec';

/** Decompresses whole zstd frames into a caller's buffer. One per reader; not shared across threads. */
export interface Inflater {
  readonly backend: ZstdBackend;
  /** Decompresses `src` (one or more whole frames) into `dst`; returns the length written. Throws on damage. */
  decompress(dst: Uint8Array, src: Uint8Array): number;
}

interface NapiBinding {
  DCtx: new () => { decompress(dst: Uint8Array, src: Uint8Array): number };
}
interface NapiIndex {
  Compressor: new () => { setParameters(p: object): void; compress(b: Uint8Array): Buffer };
}

const require = createRequire(import.meta.url);
let napiError = null as Error | null;

/** The native binding, or null (its load error kept for the message) when it is missing or fails to
 * load. Its compressor's module loads only when one is made (the analyzer never does). */
function loadNapi(): { binding: NapiBinding; index: () => NapiIndex } | null {
  try {
    return { binding: require('zstd-napi/binding.js') as NapiBinding, index: () => require('zstd-napi') as NapiIndex };
  } catch (e) {
    napiError = e as Error;
    return null;
  }
}

const forced = process.env['SECREC_ZSTD'];
if (forced !== undefined && forced !== '' && forced !== 'wasm' && forced !== 'native') {
  throw new Error(`SECREC_ZSTD=${forced}: expected "wasm" or "native"`);
}
const napi = forced === 'wasm' ? null : loadNapi();
if (forced === 'native' && napi === null) throw new Error(`SECREC_ZSTD=native but zstd-napi does not load: ${napiError?.message}`);

// The WebAssembly decoder (a 75 KB module) loads only where it is used.
let wasm: ZSTDDecoder | null = null;
if (napi === null) await initWasm();

/** Which decompressor this process uses. */
export const zstdBackend: ZstdBackend = napi === null ? 'zstddec' : 'zstd-napi';

class WasmInflater implements Inflater {
  readonly backend = 'zstddec' as const;
  constructor(private readonly d: ZSTDDecoder) {}

  decompress(dst: Uint8Array, src: Uint8Array): number {
    // zstddec returns an empty array on any libzstd error (checksum, corruption, size): the length tells.
    const out = this.d.decode(src, dst.length);
    if (out.length === 0 || out.length > dst.length) {
      throw new Error(`zstd frame does not decompress into ${dst.length} bytes (corrupt data, checksum or size)`);
    }
    dst.set(out);
    return out.length;
  }
}

class NapiInflater implements Inflater {
  readonly backend = 'zstd-napi' as const;
  private dctx: InstanceType<NapiBinding['DCtx']>;
  constructor(private readonly b: NapiBinding) {
    this.dctx = new b.DCtx();
  }

  decompress(dst: Uint8Array, src: Uint8Array): number {
    try {
      return this.dctx.decompress(dst, src);
    } catch (e) {
      this.dctx = new this.b.DCtx(); // a context that failed mid-frame is not reused
      throw e;
    }
  }
}

/** A decompressor on this process's backend (`backend` overrides it, for tests). */
export function newInflater(backend: ZstdBackend = zstdBackend): Inflater {
  if (backend === 'zstd-napi') {
    if (napi === null) throw new Error(`zstd-napi does not load: ${napiError?.message ?? 'SECREC_ZSTD=wasm'}`);
    return new NapiInflater(napi.binding);
  }
  if (wasm === null) throw new Error('the zstddec decoder is not loaded: await initWasm() first');
  return new WasmInflater(wasm);
}

/** Makes sure the wasm decoder is ready even when zstd-napi loaded (tests compare both). */
export async function initWasm(): Promise<void> {
  if (wasm !== null) return;
  const d = new (await import('zstddec')).ZSTDDecoder();
  await d.init();
  wasm = d;
}

/** The recorder's compressor: zstd-napi only (SECREC_ZSTD does not apply). A clear error where it did not install. */
export function newCompressor(): InstanceType<NapiIndex['Compressor']> {
  const n = napi ?? loadNapi();
  if (n === null) throw new Error(`compression needs zstd-napi, which does not load here (${napiError?.message}); the analyzer reads without it`);
  return new (n.index().Compressor)();
}
