/**
 * restify 11 loads spdy, whose http-deceiver reads `process.binding('http_parser')` when it is
 * loaded. Node 20 warns about that binding (DEP0111) and Node 22 removed it, so restify cannot even
 * be loaded there. The binding only ever handed out Node's own HTTP parser, which Node still
 * exports from `_http_common`: answer with that, and pass every other name through. Imported
 * before restify (src/server/http.ts). The bot does not use spdy (no HTTP/2), so nothing else
 * depends on this.
 */
type Binding = (name: string) => unknown;
const proc = process as unknown as { binding: Binding; __httpParserShim?: boolean };
if (!proc.__httpParserShim) {
  const original = proc.binding.bind(process);
  proc.binding = (name: string) => {
    if (name === 'http_parser') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const common = require('_http_common') as { HTTPParser: unknown; methods: string[] };
      return { HTTPParser: common.HTTPParser, methods: common.methods };
    }
    return original(name);
  };
  proc.__httpParserShim = true;
}

export {};
