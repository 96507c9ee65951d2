/** The smc-kit release hosts install unless props say otherwise (kept equal to package.json by a test). */
export const DEFAULT_SMC_VERSION = '0.1.0';
/** Node.js installed on hosts: the 20 LTS line smc-kit is built and tested on. */
export const DEFAULT_NODE_VERSION = '20.19.5';
/** Node.js's own release folder; a mirror replaces it for internal or offline installs. */
export const DEFAULT_NODE_MIRROR = 'https://nodejs.org/dist';
