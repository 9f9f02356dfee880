// Words every page shares: the frame, forms, errors, the front page.

export const common = {
  "site.skip": "Skip to the content",
  "nav.site": "Site",
  "nav.home": "Home",
  "nav.mine": "My bodies",
  "nav.account": "My account",
  "nav.signIn": "Sign in",
  "nav.signUp": "Sign up",
  "nav.signOut": "Sign out",
  "nav.signedInAs": "Signed in as {handle}",

  "form.required": "required",
  "form.errorSummary": "Please correct what is marked below.",
  "form.errorPrefix": "Error:",
  "form.csrf": "This form has expired. Please try again.",
  "form.tooMany": "Too many attempts. Please wait {minutes} minutes and try again.",

  "home.intro": "Assemblies, councils and confederations that decide in the open. Follow a body from any fediverse account by its handle.",
  "home.bodies": "Bodies",
  "home.noBodies": "No bodies yet.",
  "home.members": "{count} members",
  "home.oneMember": "1 member",
  "home.found": "Found a new body",

  "page.notFound": "Not found",
  "page.notAvailable": "Not available",
  "page.failed": "Something went wrong on our side. Please try again later.",
  "page.noSuchHandle": "No one here has that handle.",
  "page.signInFirst": "Please sign in first.",
  "page.notFoundText": "There is nothing at this address. It may be mistyped, or what was here has gone.",
  "page.forbiddenText": "You may not see or do this. If you are a member, please sign in first.",
  "page.invalidText": "Something in this address or in what was sent is not right. Please check it and try again.",
  "page.conflictText": "This cannot be done now.",
  "page.unreachableText": "Another server did not answer. Please try again later.",
  "page.tooLarge": "What was sent is too large.",
} as const;
