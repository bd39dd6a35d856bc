/**
 * What the About card and the support log say about this build. The version is package.json's,
 * put in by vite.config.ts (`import.meta.env.GLINT_VERSION`); the build id is the main chunk's hash.
 */
import { buildIdFrom } from './build-id.ts';

export const APP_VERSION: string = import.meta.env.GLINT_VERSION ?? 'dev';

export const BUILD_ID: string = buildIdFrom(import.meta.url);
