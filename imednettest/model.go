package imednettest

import "sync"

// The study's data. Rows are small structs of ids, indices, Unix times and flags; names and
// record data are derived on demand from the seed, the catalogue and the row.

// Study is one study of a [Server]. Its methods are safe for concurrent use with the server
// serving requests.
type Study struct {
	srv   *Server
	index int
	cfg   StudyConfig
	seed  uint64

	mu      sync.RWMutex
	version uint64 // incremented by every change, under mu

	id                int64
	created, modified int64
	smallBase         int64 // id base of sites, forms, intervals, variables (see ids.go)
	bigBase           int64 // id base of subjects, visits, records, revisions, queries, codings

	sites      []site
	siteByName map[string]int

	forms     []form
	formByKey map[string]int
	vars      []variable // all variables, form by form, in sequence order
	regForm   int        // the registration form (-1 if none)

	intervals      []interval
	intervalByName map[string]int
	slots          []slot // the record plan every generated subject follows
	perSubject     int    // len(slots)

	users []user

	subjects  []subject
	subjByKey map[string]int32
	subjByOID map[string]int32

	visits    []visit
	records   []record
	formRecs  [][]int32 // per form, the indices of its records, ascending
	overlay   map[int32][]string
	revisions []revision
	queries   []query
	codings   []coding

	cache resultCache

	jobs    map[string]*job // by batch id
	jobList []*job
	pending []*job // jobs not yet finished, in creation order
}

type site struct {
	id                int64
	name, number      string
	open              bool
	created, modified int64
	nextSeq           int
}

type form struct {
	spec              *formSpec
	id                int64
	typ               string // "Subject" or "Site"
	revision          int
	disabled          bool
	varStart, varN    int
	varByName         map[string]int // local index
	created, modified int64
	codedVar          int // local index of the coded variable, -1 if none
}

func (f *form) key() string  { return f.spec.key }
func (f *form) name() string { return f.spec.name }

type variable struct {
	spec              *varSpec
	id                int64
	form              int
	local             int // index in its form
	oid               string
	revision          int
	disabled          bool
	created, modified int64
}

type interval struct {
	id                            int64
	name, desc                    string
	seq                           int
	groupID                       int64
	groupName                     string
	timeline                      string
	definedUsing, winForm, winVar string
	actualForm, actualVar         string
	due, negSlack, posSlack, epro int
	forms                         []int
	disabled                      bool
	created, modified             int64
}

// slot is one record of the plan a generated subject follows.
type slot struct {
	form     int
	interval int // -1 for a log record
	after    int // the interval whose visit a log record follows
	extra    int // for log records beyond the schedule: 1, 2, ...
}

type user struct {
	id, login, first, last, email string
	active                        bool
	roles                         []role
}

type role struct {
	created, modified int64 // Unix nanoseconds
	id                string
	def               int
	inactive          bool
}

type subject struct {
	key, oid          string
	site              int32
	status            uint8
	deleted           bool
	kw                uint8 // keyword bitmask
	enrolled          int64
	created, modified int64
	recStart, recN    int32 // generated records, contiguous
	visStart, visN    int32 // generated visits, contiguous, one per interval 0..visN-1
	extraRecs         []int32
	extraVisits       []int32
}

type visit struct {
	created, modified int64
	subj              int32
	visitDay, dueDay  int32 // days since 1970-01-01; dueDay < 0: null
	interval          int16
	deleted           bool
}

// record is 32 bytes; a million of them take 32 MB.
type record struct {
	created, modified int64
	owner             int32 // subject index, or -(site index)-1 for a site record
	visit             int32 // visit index, -1 if none
	form              uint16
	interval          int16 // interval index, -1 if none
	nrev              uint16
	flags             uint8
}

const (
	recDeleted uint8 = 1 << iota
	recComplete
	recKeyword
)

func (r *record) deleted() bool  { return r.flags&recDeleted != 0 }
func (r *record) complete() bool { return r.flags&recComplete != 0 }

type revision struct {
	created int64
	rec     int32
	num     uint16
	user    int16 // user index, -1 for the API user
	flags   uint8
	reason  uint8
}

const (
	revDeleted uint8 = 1 << iota // the revision that deleted the record
	revComplete
)

type query struct {
	created, modified int64
	rec               int32 // -1 for a subject query
	subj              int32
	v                 int32 // variable index in st.vars, -1 if none
	ncom              uint8
	closed            bool
	kind              uint8 // index in queryTypes
	desc              uint8 // index in queryDescs
}

type coding struct {
	coded    int64
	rec      int32
	revision uint8
	user     int16
	reason   uint8
}

// recordSite returns the site index of record r.
func (st *Study) recordSite(r *record) int {
	if r.owner < 0 {
		return int(-r.owner - 1)
	}
	return int(st.subjects[r.owner].site)
}

// userName returns the login of user u, -1 being the API's own user.
func (st *Study) userLogin(u int16) string {
	if u < 0 || int(u) >= len(st.users) {
		return apiUser
	}
	return st.users[u].login
}

func (st *Study) userRole(u int16) string {
	if u < 0 || int(u) >= len(st.users) || len(st.users[u].roles) == 0 {
		return apiRole
	}
	return roleDefs[st.users[u].roles[0].def].name
}

func (st *Study) userFullName(u int16) string {
	if u < 0 || int(u) >= len(st.users) {
		return apiUserName
	}
	return st.users[u].first + " " + st.users[u].last
}

// The user that changes made through the API (POST /records) and through [Study] are
// attributed to.
const (
	apiUser     = "api.integration"
	apiRole     = "API User"
	apiUserName = "API Integration"
)
