// Every word the pages show, in one catalogue, so the app can be translated: a new
// language is another object with the same keys. `{name}` in a message is filled in
// by `t(key, { name })`; the template escapes the result like any other text.

export const en = {
  "site.skip": "Skip to the content",
  "nav.home": "Home",
  "nav.mine": "My bodies",
  "nav.account": "My account",
  "nav.signIn": "Sign in",
  "nav.signUp": "Sign up",
  "nav.signOut": "Sign out",
  "nav.signedInAs": "Signed in as {handle}",

  "form.required": "required",
  "form.errorSummary": "Please correct what is marked below.",
  "form.csrf": "This form has expired. Please try again.",
  "form.tooMany": "Too many attempts. Please wait {minutes} minutes and try again.",

  "signIn.title": "Sign in",
  "signIn.handle": "Your user name",
  "signIn.password": "Password",
  "signIn.submit": "Sign in",
  "signIn.wrong": "That user name and password do not match.",
  "signIn.noAccount": "No account yet?",

  "signUp.title": "Create an account",
  "signUp.intro": "An account lets you join bodies, put proposals forward and vote.",
  "signUp.handle": "User name",
  "signUp.handleHint": "Letters, digits and underscores. Others will find you as @{example}.",
  "signUp.name": "Your name (optional)",
  "signUp.password": "Password",
  "signUp.passwordHint": "At least 8 characters.",
  "signUp.invitation": "Invitation code",
  "signUp.submit": "Create my account",
  "signUp.closed": "This instance does not take new accounts from its website. Ask its administrators for an account.",
  "signUp.badInvitation": "That invitation code is not valid or has been used.",

  "signOut.submit": "Sign out",

  "account.title": "My account",
  "account.password": "Change my password",
  "account.currentPassword": "Current password",
  "account.newPassword": "New password",
  "account.passwordSubmit": "Change password",
  "account.passwordChanged": "Your password is changed. Your other sessions have been signed out.",
  "account.wrongPassword": "That is not your current password.",
  "account.sessions": "Where I am signed in",
  "account.sessionStarted": "Signed in {when}",
  "account.sessionLastUsed": "last used {when}",
  "account.thisSession": "this browser",
  "account.endSession": "Sign out there",
  "account.sessionEnded": "That session is signed out.",
  "account.delete": "Delete my account",
  "account.deleteExplain":
    "Your profile, your password and your sessions are deleted, and you leave every body you belong to. What you did on a body's record stays there, as every member's does: your votes, your proposals and your replies.",
  "account.deleteConfirm": "Type your password to confirm",
  "account.deleteSubmit": "Delete my account for good",
  "account.deleted": "Your account is deleted.",

  "home.intro": "Assemblies, councils and confederations that decide in the open. Follow a body from any fediverse account by its handle.",
  "home.bodies": "Bodies",
  "home.noBodies": "No bodies yet.",
  "home.members": "{count} members",
  "home.oneMember": "1 member",
  "home.found": "Found a new body",

  "page.notFound": "Not found",
  "page.notAvailable": "Not available",
  "page.noSuchHandle": "No one here has that handle.",
  "page.signInFirst": "Please sign in first.",
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

const catalogues: Record<string, Messages> = { en };

/** A translator for one language (English when the language has no catalogue). */
export function translator(lang = "en"): (key: MessageKey, params?: Record<string, string | number>) => string {
  const messages = catalogues[lang] ?? en;
  return (key, params) => {
    const text = messages[key] ?? en[key];
    return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : text;
  };
}
