import path from 'node:path';
import { readStackEnv } from '../../sandbox/stack/stackEnv';

/** jest setupFiles: every suite sees the local stack's addresses (.stack/env) in process.env. */
const stackDir = process.env.STACK_DIR ?? path.resolve(__dirname, '..', '..', '.stack');
for (const [key, value] of Object.entries(readStackEnv(stackDir))) {
  process.env[key] ??= value;
}
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
