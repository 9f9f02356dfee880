import packageJson from "../../package.json" with { type: "json" };

/** Folkmoot's version, as package.json says: NodeInfo, the User-Agent, the API description. */
export const SOFTWARE_VERSION: string = packageJson.version;

/**
 * The `User-Agent` of every request an instance makes, in the shape Fedify's `userAgent`
 * option (and `getDocumentLoader`'s) takes: `Folkmoot/0.1.0 (Fedify/…; Node.js/…; +https://instance.example/)`.
 */
export function instanceUserAgent(publicOrigin: URL): { software: string; url: URL } {
  return { software: `Folkmoot/${SOFTWARE_VERSION}`, url: publicOrigin };
}

/** The `User-Agent` of `folkmoot verify`, which runs without an instance. */
export const VERIFIER_USER_AGENT = `Folkmoot/${SOFTWARE_VERSION} (folkmoot verify)`;
