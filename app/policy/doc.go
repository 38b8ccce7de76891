// Package policy matches an enterprise profile against the support policies of
// the knowledge base and says, for every policy, whether it is met, nearly met
// (one or two conditions missing, with what would meet them) or still open
// (conditions the profile cannot answer yet), each line with its reason and
// the source sentence of its condition.
//
// The engine is a plain library with no Fyne and no database: the kiosk's
// questionnaire calls Match after every answer, `xiaofu policy match` prints
// its Result as JSON, and a hall's server can run MatchBatch over its whole
// register for targeted push.
//
// Missing data is never a failure. A condition whose field the profile does
// not hold is Unknown; a policy with unknown conditions and no failed ones is
// offered as "to ask", and NextQuestion picks the field whose answer decides
// the most value across the policies still open.
package policy
