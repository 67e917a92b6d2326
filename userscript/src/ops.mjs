// Every GraphQL operation the overlay sends (the server's tests validate this block).

export const OPS = {
  login: `mutation Login($email: String!, $password: String!, $deviceName: String) {
  login(email: $email, password: $password, deviceName: $deviceName) {
    token
    user { email }
  }
}`,
  status: `query Status {
  serverTime
  me { email targetSeconds idleTimeoutMinutes }
  activeSession {
    id
    questionCount
    averageSeconds
    pace { emoji label ratio }
    current { index startedAt pausedSeconds isPaused pausedAt targetSeconds taskId }
  }
  day { activeSeconds questionCount bankedSeconds creditedSeconds capSeconds remainingSeconds earnings { amount currency } }
  week { activeSeconds goalSeconds creditedSeconds capSeconds remainingSeconds }
}`,
  recordEvents: `mutation RecordEvents($inputs: [EventInput!]!) {
  recordEvents(inputs: $inputs) {
    duplicate
    serverTime
    error { code message }
    question { index activeSeconds }
    session { id isActive questionCount }
  }
}`,
};

