/** min+gzip bytes of one entry of this package, bundled by esbuild (minified) without `external`. */
export function measure(path: string, external?: string[]): Promise<number>;
