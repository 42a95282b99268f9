/** A JPEG's size as ffprobe reads it (`WxH`): tests check snapshots by what a decoder sees. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function jpegSize(jpeg: Buffer): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-jpeg-'));
  try {
    const file = join(dir, 'picture.jpg');
    writeFileSync(file, jpeg);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=width,height',
      '-of',
      'csv=p=0:s=x',
      file,
    ]);
    return stdout.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
