// The person's part of the OAuth sign-in, scripted for test/clients/run.sh: signs in on
// the web form as <handle>, opens the authorize URL the app printed, approves it and
// prints the code (out-of-band redirect) or the `code` of the redirect.
//   node test/clients/consent.ts <handle> <authorize URL>
import { WebClient } from "../support/web-client.ts";

const [handle, authorizeUrl] = process.argv.slice(2);
if (!handle || !authorizeUrl) {
  console.error("usage: consent.ts <handle> <authorize URL>");
  process.exit(2);
}
const url = new URL(authorizeUrl);
const web = new WebClient(url.origin);

function fail(message: string): never {
  console.error(`consent: ${message}`);
  process.exit(1);
}

const signin = await web.post("/signin", { handle, password: `${handle}-password` }, { csrfFrom: "/signin" });
if (signin.status !== 303) fail(`signing in as ${handle} answered ${signin.status}`);
const page = await web.get(url.pathname + url.search);
if (page.status !== 200) fail(`the consent page answered ${page.status}: ${page.html.slice(0, 300)}`);
const fields = Object.fromEntries([...page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, decode(m[2]!)]));
if (!fields._csrf) fail("the consent page has no form to approve");
const answer = await web.post("/oauth/authorize", { ...fields, decision: "approve" }, { csrf: fields._csrf });
const code = /<output class="oauth-code" id="oauth-code">([^<]+)<\/output>/.exec(answer.html)?.[1] ?? (answer.location ? new URL(answer.location).searchParams.get("code") : null);
if (!code) fail(`approving gave no code (status ${answer.status})`);
process.stdout.write(`${code}\n`);

function decode(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&(amp|lt|gt|quot|#39);/g, (m) => ({ "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" })[m]!);
}
