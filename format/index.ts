// format/: the capture schema, writer and reader. Depends on neither program.
export * from './proto.js';
export * from './framing.js';
export * from './errors.js';
export { FORMER_PROBE_NAMES, probeName } from './probes.js';
export { CaptureWriter, CaptureWriterBase, type WriterOptions, type Sink, type TrailerInit } from './writer.js';
export { ThreadedCaptureWriter, type ThreadedWriterOptions } from './threaded-writer.js';
export { CaptureReader, readCapture, type Frame, type Integrity, type ReaderOptions, type Verdict } from './reader.js';
export { newInflater, newCompressor, zstdBackend, type Inflater, type ZstdBackend } from './zstd.js';
export { LazyDecoder, RawRecordImpl, BODY_FIELDS, type RecordPlan, type RawRecord } from './lazy.js';
