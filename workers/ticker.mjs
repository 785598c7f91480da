// Example agent: prints a tick every second, so its log shows something.
const name = process.env.PROCGUARD_PROCESS_NAME ?? 'ticker';
let n = 0;
const timer = setInterval(() => console.log(`${name} (instance ${process.env.INSTANCE_INDEX}) tick ${++n}`), 1000);
process.on('SIGTERM', () => {
  clearInterval(timer);
  process.exit(0);
});
