import { startFakeUpstream, type FakeUpstream } from '../../mock/fake-upstream.js';

/**
 * The built-in mock provider's local upstream: started once, when a config first enables the mock (at
 * start or by a reload), and kept until the gateway stops. A failed start is forgotten, so the next config
 * that asks for the mock tries again.
 */
export class MockUpstreamHost {
  private starting: Promise<FakeUpstream> | undefined;
  private started: FakeUpstream | undefined;

  /** The mock's `/v1` base URL, starting it on first use. */
  async baseUrl(): Promise<string> {
    this.starting ??= startFakeUpstream({ host: '127.0.0.1', port: 0 }).then(
      (started) => (this.started = started),
      (error: unknown) => {
        this.starting = undefined;
        throw error;
      },
    );
    return `${(await this.starting).url}/v1`;
  }

  /** The running mock, once started. */
  get running(): FakeUpstream | undefined {
    return this.started;
  }

  async close(): Promise<void> {
    await this.started?.close();
  }
}
