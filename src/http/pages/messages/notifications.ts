// In-app notifications.

export const notifications = {
  "nav.notifications": "Notifications",
  "nav.notificationsUnread": "Notifications ({count} new)",
  "notes.title": "Notifications",
  "notes.none": "Nothing yet. When a vote opens in one of your bodies, a decision is taken or someone replies to you, it shows here.",
  "notes.markRead": "Mark all as read",
  "notes.new": "new",
  "notes.voteOpened": "A vote is open: {title}",
  "notes.voteCloses": "It closes {when}.",
  "notes.deadlineNear": "A vote closes soon and you have not voted: {title}",
  "notes.outcome": "Decided: {title}",
  "notes.outcome.passed": "It passed.",
  "notes.outcome.rejected": "It did not pass.",
  "notes.outcome.tabled": "It was set aside.",
  "notes.outcome.done": "It is done.",
  "notes.reply": "{who} replied to you",
  "notes.follow": "{who} follows you",
  "notes.actRefused": "{who} did not take in what you did on its proposal",
  "notes.actRefusedWhy": "Its answer: {answer}",
} as const;
