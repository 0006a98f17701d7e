import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_LOG_DIR } from './test-env';
import { KNOWN_TEST_SECRETS, scanLogsForSecrets } from './log-secret-scan';

/**
 * Vitest global setup: start each run with no old logs, and after the whole suite fail the run if
 * any log line written by any test carries a secret (issue 3, acceptance 3). In-process platforms
 * append to TEST_LOG_DIR through captureStream; servers run as child processes (ServerProcess)
 * append their stdout and stderr there too.
 */
export function setup(): () => void {
  rmSync(TEST_LOG_DIR, { recursive: true, force: true });
  return () => {
    const { lines, findings } = scanLogsForSecrets(TEST_LOG_DIR, KNOWN_TEST_SECRETS);
    mkdirSync(TEST_LOG_DIR, { recursive: true });
    if (findings.length > 0) {
      const sample = findings.slice(0, 10).map((f) => `  ${f.file}:${f.line} ${f.reason}`).join('\n');
      throw new Error(`Secrets found in test logs (${findings.length} findings in ${lines} lines):\n${sample}`);
    }
    // Quiet on success so the test runner's summary stays the last thing CI prints; the count is kept.
    writeFileSync(join(TEST_LOG_DIR, 'scan-summary.txt'), `${lines} log lines scanned, no secret found\n`);
  };
}
