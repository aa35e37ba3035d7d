// Every member of Record's oneof body is a known kind: the lists the reader and views use cannot
// silently miss a kind added to capture.proto (CONTRIBUTING.md, "add an event kind", step 4).
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { BODY_KINDS } from '../../format/index.js';
import { BODY_BY_FIELD } from '../../format/lazy.js';

describe('body kinds', () => {
  const rec = protobuf.loadSync('format/capture.proto').lookupType('secrec.v1.Record');
  const members = rec.oneofs['body']!.fieldsArray.map((f) => f.name);

  it('BODY_KINDS and BODY_BY_FIELD name every oneof member of capture.proto', () => {
    expect([...BODY_KINDS].sort()).toEqual([...members].sort());
    expect([...BODY_BY_FIELD].sort()).toEqual([...members].sort());
  });
});
