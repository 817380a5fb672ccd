// Fakes for the setup-backend tests: a TensorFlow install laid out as a wheel lays it, with empty files.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A site-packages with a tensorflow/ folder laid out as a wheel lays it (empty libraries). */
export function fakeSitePackages(opts: { cuda: boolean; nvidia?: string[]; dist?: string }): string {
  const site = mkdtempSync(join(tmpdir(), 'thinktune-site-'));
  const tf = join(site, 'tensorflow');
  for (const d of ['include/tensorflow/c/eager', 'python/platform']) mkdirSync(join(tf, d), { recursive: true });
  for (const f of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2', 'include/tensorflow/c/c_api.h', 'include/tensorflow/c/eager/c_api.h'])
    writeFileSync(join(tf, f), '');
  writeFileSync(
    join(tf, 'python/platform/build_info.py'),
    `build_info = collections.OrderedDict([('is_cuda_build', ${opts.cuda ? 'True' : 'False'}), ('is_rocm_build', False)])\n`,
  );
  mkdirSync(join(site, `${opts.dist ?? 'tensorflow_cpu'}-2.21.0.dist-info`));
  mkdirSync(join(site, 'tensorflow_io_gcs_filesystem-0.37.1.dist-info'));
  for (const n of opts.nvidia ?? []) mkdirSync(join(site, 'nvidia', n, 'lib'), { recursive: true });
  return site;
}
