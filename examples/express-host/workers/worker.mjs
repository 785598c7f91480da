// A background worker: says it started, then works until told to stop.
console.log(`worker started (pid ${process.pid})`);
const timer = setInterval(() => console.log('worker: tick'), 1000);
process.on('SIGTERM', () => {
  clearInterval(timer);
  console.log('worker: stopping');
});
