// The test network's mirror: a static file server for the offline route (apt repository,
// Node.js release, smc-kit tarball). Run inside the admin machine's namespace:
//   node mirror-server.mjs <root folder> <address> <port>
// One line per request goes to stdout ("GET /path 200 bytes client"), so the test can show
// that the hosts installed from here and nowhere else.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';

const [root, address, port] = process.argv.slice(2);
if (!root || !address || !port) {
  process.stderr.write('usage: mirror-server.mjs <root> <address> <port>\n');
  process.exit(2);
}
const base = path.resolve(root);

const server = createServer(async (request, response) => {
  const url = new URL(request.url ?? '/', 'http://mirror');
  const file = path.join(base, decodeURIComponent(url.pathname));
  const answer = (status, size = 0) =>
    process.stdout.write(
      `${request.method} ${url.pathname} ${status} ${size} ${request.socket.remoteAddress}\n`,
    );
  if (!file.startsWith(`${base}${path.sep}`) || !['GET', 'HEAD'].includes(request.method ?? '')) {
    response.writeHead(404).end();
    answer(404);
    return;
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    response.writeHead(200, {
      'content-length': info.size,
      'content-type': 'application/octet-stream',
    });
    answer(200, info.size);
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  } catch {
    response.writeHead(404).end();
    answer(404);
  }
});
server.listen(Number(port), address, () => process.stdout.write(`listening ${address}:${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
