// Where the service finds the web page's built files: `<package root>/dist/web`, which the web
// page's build writes. The service serves `/` from here (a short note when it is absent).

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');
