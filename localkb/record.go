package localkb

// Kinds of record a snapshot may hold. A record's kind decides which of the
// kind-specific fields below are meaningful; docs/kb-format.md lists them.
const (
	KindFAQ        = "faq"
	KindGuide      = "guide"
	KindPolicy     = "policy"
	KindDepartment = "department"
	KindDoc        = "doc"
	KindBundle     = "bundle"
	KindTag        = "tag"
)

// Meta is the first line of a snapshot: which version of the hall's knowledge
// base this is, when it was generated and for which region.
type Meta struct {
	Kind      string   `json:"kind"` // always "meta"
	Version   string   `json:"version"`
	Generated string   `json:"generated"` // RFC 3339
	Region    string   `json:"region"`
	Hall      string   `json:"hall,omitempty"`    // the hall's name shown on screen
	Hot       []string `json:"hot,omitempty"`     // hot questions shown as buttons
	Topics    []string `json:"topics,omitempty"`  // topics offered for browsing
	Sources   []string `json:"sources,omitempty"` // attribution lines
	Records   int      `json:"records,omitempty"` // number of record lines that follow
}

// Record is one line of a snapshot after the meta line. ID is stable across
// snapshots because answers cite it; Title, Issuer/Department, Date and Link
// are what a citation shows.
type Record struct {
	ID         string   `json:"id"`
	Kind       string   `json:"kind"`
	Title      string   `json:"title"`          // FAQ question, item name, policy or document title
	Body       string   `json:"body,omitempty"` // FAQ answer, guide summary, policy or passage text
	Alt        []string `json:"alt,omitempty"`  // alternate questions or names
	Keywords   []string `json:"keywords,omitempty"`
	Topics     []string `json:"topics,omitempty"` // browse topics
	Department string   `json:"department,omitempty"`
	Issuer     string   `json:"issuer,omitempty"`
	Date       string   `json:"date,omitempty"` // YYYY-MM-DD, YYYY-MM or YYYY
	Link       string   `json:"link,omitempty"`
	Source     string   `json:"source,omitempty"` // data set the record came from
	// Refs are the ids of other records this one rests on, e.g. the doc
	// records a guide cites; an answer built from this record may cite them.
	Refs []string `json:"refs,omitempty"`

	Guide  *Guide      `json:"guide,omitempty"`
	Policy *Policy     `json:"policy,omitempty"`
	Dept   *Department `json:"dept,omitempty"`
	Doc    *Doc        `json:"doc,omitempty"`
	Bundle *Bundle     `json:"bundle,omitempty"`
	Tag    *Tag        `json:"tag,omitempty"`
}

// Guide is a service item's 办事指南.
type Guide struct {
	Type          string   `json:"type,omitempty"`    // 行政许可, 公共服务 ...
	Objects       []string `json:"objects,omitempty"` // who may apply: 企业法人, 自然人 ...
	Conditions    string   `json:"conditions,omitempty"`
	Materials     []string `json:"materials,omitempty"`
	Steps         []string `json:"steps,omitempty"`
	LegalDays     int      `json:"legal_days,omitempty"`    // working days by law; 0 = unknown
	PromisedDays  int      `json:"promised_days,omitempty"` // working days promised by the hall
	Fee           string   `json:"fee,omitempty"`
	Place         string   `json:"place,omitempty"`
	Window        string   `json:"window,omitempty"`
	Phone         string   `json:"phone,omitempty"`
	ComplainPhone string   `json:"complain_phone,omitempty"`
	OnlineURL     string   `json:"online_url,omitempty"`
}

// Policy is a support policy with the conditions an enterprise must meet.
type Policy struct {
	Level      string      `json:"level,omitempty"` // 国家, 省, 市, 区
	ValidFrom  string      `json:"valid_from,omitempty"`
	ValidTo    string      `json:"valid_to,omitempty"`
	Benefit    string      `json:"benefit,omitempty"`
	MaxWan     float64     `json:"max_wan,omitempty"` // largest cash benefit in 10,000 yuan; 0 = none or unknown
	Conditions []Condition `json:"conditions,omitempty"`
}

// Condition is one eligibility condition. Text is for people; Field, Op and
// Value are set when a machine can check it against an enterprise profile.
type Condition struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Field  string `json:"field,omitempty"`
	Op     string `json:"op,omitempty"` // eq ne gt gte lt lte in has between true false; any all banded combine
	Value  any    `json:"value,omitempty"`
	Source string `json:"source,omitempty"` // the source sentence this condition was taken from
	Hint   string `json:"hint,omitempty"`   // what would meet it, for "nearly met" results
}

// Department is an office of the hall with its windows.
type Department struct {
	Duties  string   `json:"duties,omitempty"`
	Windows []string `json:"windows,omitempty"`
	Phones  []string `json:"phones,omitempty"`
	Address string   `json:"address,omitempty"`
	Aliases []string `json:"aliases,omitempty"`
}

// Doc is a cited passage of an official document.
type Doc struct {
	Number  string   `json:"number,omitempty"` // 文号
	Clauses []string `json:"clauses,omitempty"`
}

// Bundle is 一类事: the items one business event needs, in order.
type Bundle struct {
	Event string       `json:"event"`
	Steps []BundleStep `json:"steps"`
}

// BundleStep is one item of a bundle.
type BundleStep struct {
	ItemID string `json:"item_id"` // a guide record id
	Note   string `json:"note,omitempty"`
}

// Tag is one entry of the enterprise-profile vocabulary.
type Tag struct {
	Field  string   `json:"field"`
	Type   string   `json:"type"` // number, bool, enum, date, text
	Unit   string   `json:"unit,omitempty"`
	Values []string `json:"values,omitempty"`
	Ask    string   `json:"ask,omitempty"` // the question the questionnaire asks
}
