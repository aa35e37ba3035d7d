// tsc does not emit the generated protobufjs module (it is JavaScript): copy it beside its users.
import { copyFileSync, mkdirSync } from 'node:fs';
mkdirSync('dist/format/gen', { recursive: true });
copyFileSync('format/gen/capture.js', 'dist/format/gen/capture.js');
