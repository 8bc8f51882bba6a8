extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])

"""
A short note an organisation keeps in the __name__ subgraph: the scaffold's example
aggregate, to rename or replace. Only members of the owning organisation see it.
"""
type __Pascal__Note @key(fields: "id") {
  "Opaque identifier (`note_…`)."
  id: ID!
  "The note's title: 1 to 120 characters, surrounding spaces removed."
  title: String!
  "Free text of up to 2000 characters; empty when none was given."
  body: String!
  "The organisation that owns the note (the caller's organisation when it was created)."
  organizationId: ID!
  """
  Name of the owning organisation as identity last announced it. Null for a short
  while after the organisation was created, until its event has reached this
  subgraph (temporary: ask again).
  """
  organizationName: String
  "When the note was created (UTC)."
  createdAt: DateTime!
}

"Codes of the expected failures the __name__ subgraph returns in `userErrors`; a client can switch on them."
enum __Pascal__ErrorCode {
  "A required input field is empty (or only spaces)."
  REQUIRED
  "An input field is longer than its documented limit."
  TOO_LONG
}

"An expected failure of a __name__ mutation: what went wrong and on which input field. Nothing was written."
type __Pascal__UserError {
  "Path of the input field at fault, e.g. [\"title\"]; null when the failure is not about one field."
  field: [String!]
  "A human-readable explanation, in English, safe to show to the user."
  message: String!
  "Stable machine-readable code of the failure."
  code: __Pascal__ErrorCode!
}

"What a client sends to create a note."
input Create__Pascal__NoteInput {
  "The title: 1 to 120 characters after trimming (REQUIRED, TOO_LONG)."
  title: String!
  "Optional free text of up to 2000 characters (TOO_LONG)."
  body: String
}

"The result of `create__Pascal__Note`."
type Create__Pascal__NotePayload {
  "The note that was created; null when `userErrors` is not empty."
  note: __Pascal__Note
  "Why nothing was created; empty on success."
  userErrors: [__Pascal__UserError!]!
}

"The __name__ subgraph's reads; each answers only with the caller's own organisation's data."
type Query {
  """
  One of the caller's organisation's notes. Null when it does not exist or belongs
  to another organisation. Needs the `org:read` permission (FORBIDDEN otherwise,
  UNAUTHENTICATED without a signed-in caller).
  """
  __camel__Note(
    "The note's id, as returned by `create__Pascal__Note`."
    id: ID!
  ): __Pascal__Note
}

"The __name__ subgraph's writes; each acts for the caller's organisation (never one named in an argument)."
type Mutation {
  """
  Creates a note for the caller's organisation and announces it with the
  `__service__.note.created` event. Needs the `org:manage` permission (FORBIDDEN
  otherwise, UNAUTHENTICATED without a signed-in caller).
  """
  create__Pascal__Note(
    "The note to create."
    input: Create__Pascal__NoteInput!
  ): Create__Pascal__NotePayload!
}
