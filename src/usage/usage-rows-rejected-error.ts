/**
 * The store refused the rows themselves (a constraint or type error), as opposed to being unreachable:
 * sending the same rows again cannot succeed, so the usage writer isolates the bad row instead of retrying.
 */
export class UsageRowsRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageRowsRejectedError';
  }
}
