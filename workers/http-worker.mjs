// Example agent: answers JSON on $PORT and stops cleanly on SIGTERM.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 4100);
const server = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ worker: process.env.PROCGUARD_PROCESS_NAME, pid: process.pid, path: req.url }));
});
server.listen(port, '127.0.0.1', () => console.log(`http-worker listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
