// The consent page an app sends a person to (Mastodon apps signing in).

export const oauth = {
  "oauth.title": "Let an app use your account",
  "oauth.copyCode": "Copy this code and paste it into {app}:",
  "oauth.asks": "{app} asks to use your account:",
  "oauth.from": "(from {website})",
  "oauth.endAnyTime": "You can end its access at any time under \u201cWhere I am signed in\u201d on your account page.",
  "oauth.approve": "Allow",
  "oauth.deny": "Deny",
  "oauth.scope.read": "see your account, the bodies you follow, their posts and proposals",
  "oauth.scope.write": "post, reply and vote in your name",
  "oauth.scope.follow": "follow and unfollow bodies and people for you",
  "oauth.scope.push": "send you notifications",
  "oauth.scope.other": "{scope}",
} as const;
