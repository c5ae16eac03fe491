import { startFakeUpstream } from '../src/mock/fake-upstream.js';

// The fake provider in a process of its own, so it does not share an event loop with what is measured.
// It records requests for tests; a bench sends hundreds of thousands, so only the newest few are kept
// (an ever-growing list would slow whichever target is measured last with longer GC pauses).
const upstream = await startFakeUpstream({ host: '127.0.0.1', port: 0, maxRecordedRequests: 100 });
process.stdout.write(`listening ${upstream.url}\n`);
process.on('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
