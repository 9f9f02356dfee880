// Helpers for confederation tests: people, bodies with short periods, proposals decided
// in real time. They live in src/demo/steps.ts, shared with the demonstration
// (`npm run demo`); a TestInstance is what they need (it has the app).
export {
  confederationBylaws,
  createBody,
  createPeople,
  decide,
  electDelegate,
  ForwardClock,
  membersOf,
  quickBylaws,
  ratificationFor,
  ratify,
  ratifyAll,
  settle,
  type People,
} from "../../src/demo/steps.ts";
