/**
 * Evaluation runs and trials (issue 22 §1) are labels the caller chooses: a harness names its run and each
 * trial, and the usage rows and outcomes are joined on them. Bounded and plain, so they are safe in a log
 * line, a URL and a CSV cell: letters, digits and `. _ : / @ + -`, 1 to 128 characters.
 */
export const runLabelPattern = /^[A-Za-z0-9._:/@+-]{1,128}$/;

export const runLabelRule = '1 to 128 characters: letters, digits and . _ : / @ + -';

export function isRunLabel(value: string): boolean {
  return runLabelPattern.test(value);
}
