// Typed capture errors and issues: every one names the file and the byte offset.

export type IssueKind =
  | 'truncated'       // the file ends inside a frame or prefix
  | 'corrupt-frame'   // a frame fails to decompress or its checksum is wrong
  | 'chain-mismatch'  // a frame's bytes do not match the SHA-256 chain
  | 'bad-record'      // a record inside a frame does not decode
  | 'garbage'         // bytes that are no frame, skipped while resynchronising
  | 'frame-gap'       // frame indexes jump: frames are missing
  | 'bad-version';    // the magic or the header names a format version no secrec wrote

export interface CaptureIssue {
  kind: IssueKind;
  /** Byte offset in the capture file where the problem starts. */
  offset: number;
  /** Data frame index, when the problem is in or right after a frame. */
  frame?: number;
  /** Index of the record (over the whole capture) where decoding stopped. */
  record?: number;
  /** Bytes passed over because of it. */
  skipped?: number;
  message: string;
}

export type FatalKind = 'not-a-capture' | 'newer-version' | 'io';

export class CaptureError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly kind: FatalKind,
    detail: string,
  ) {
    super(`${file}: byte ${offset}: ${detail}`);
    this.name = 'CaptureError';
  }
}

export function describeIssue(file: string, i: CaptureIssue): string {
  const where = [`byte ${i.offset}`];
  if (i.frame !== undefined) where.push(`frame ${i.frame}`);
  if (i.record !== undefined) where.push(`record ${i.record}`);
  const skipped = i.skipped ? ` (${i.skipped} bytes skipped)` : '';
  return `${file}: ${where.join(', ')}: ${i.message}${skipped}`;
}
