package imednettest

// The generator's building blocks: the catalogue of forms and their variables, and the word
// pools that record data, names and comments are drawn from.

// vtype is a variable (field) type, as variableType prints it.
type vtype uint8

const (
	vText vtype = iota
	vTextarea
	vNumber
	vDate
	vRadio
	vDropdown
	vCheckbox
)

var vtypeNames = [...]string{"TEXT", "TEXTAREA", "NUMBER", "DATE", "RADIO", "DROPDOWN", "CHECKBOX"}

func (t vtype) String() string { return vtypeNames[t] }

// varSpec describes one variable of a catalogue form.
type varSpec struct {
	name, label string
	typ         vtype
	lo, hi      int64 // NUMBER: range, in units of 10^-dec
	dec         int
	choices     []string // RADIO, DROPDOWN: the choices' texts; their codes are "1", "2", ... in order
	pool        []string // TEXT, TEXTAREA: values
	special     int      // TEXT: specInitials, specKit; DATE: specBirth
	required    bool     // never blank
	blinded     bool
}

const (
	specNone = iota
	specInitials
	specKit
	specBirth
	specEnd // a date after the record's date
)

// Where a catalogue form is scheduled.
const (
	inScreening = 1 << iota
	inTreatment
	inEOS
	asLog      // unscheduled log form (otherForms), one record after each interval
	asSite     // site-level form, one record per site
	asDisabled // disabled form without records
)

// formSpec describes a catalogue form.
type formSpec struct {
	key, name string
	sched     int
	flags     formFlags
	vars      []varSpec
	coded     string // the coded variable (AETERM, CMTRT), if any
	dict      int    // dictMedDRA or dictWHODrug
}

type formFlags struct {
	embeddedLog, enforceOwnership, userAgreement, subjectRecordReport bool
	unscheduledVisit, otherForms, eproForm, allowCopy                 bool
}

const (
	dictMedDRA = iota
	dictWHODrug
)

var dictNames = [...]string{"MedDRA", "WHODrug"}
var dictVersions = [...]string{"26.0", "2023.03 B3"}

var (
	aeTerms = []string{"Headache", "Nausea", "Fatigue", "Dizziness", "Rash", "Back pain", "Insomnia", "Cough",
		"Diarrhoea", "Angina", "Bronchitis", "Hypertension", "Arthralgia", "Upper respiratory tract infection", "Pyrexia"}
	aeCodes = []string{"Headache", "Nausea", "Fatigue", "Dizziness", "Rash", "Back pain", "Insomnia", "Cough",
		"Diarrhoea", "Angina pectoris", "Bronchitis", "Hypertension", "Arthralgia", "Upper respiratory tract infection", "Pyrexia"}
	cmTerms = []string{"Paracetamol 500 mg", "Ibuprofen", "Aspirin", "Metformin", "Lisinopril", "Atorvastatin",
		"Omeprazole", "Amoxicillin", "Salbutamol inhaler", "Vitamin D"}
	cmCodes = []string{"PARACETAMOL", "IBUPROFEN", "ACETYLSALICYLIC ACID", "METFORMIN", "LISINOPRIL", "ATORVASTATIN",
		"OMEPRAZOLE", "AMOXICILLIN", "SALBUTAMOL", "COLECALCIFEROL"}
	mhTerms     = []string{"Asthma", "Type 2 diabetes", "Hypertension", "Migraine", "Osteoarthritis", "Appendectomy", "Seasonal allergy", "Hypothyroidism"}
	indications = []string{"Pain", "Hypertension", "Infection", "Prophylaxis", "Diabetes", "Reflux"}
	exReasons   = []string{"Dose held", "Vomited dose", "Missed dose", "Adverse event"}
	piNames     = []string{"Dr. Jane Miller", "Dr. Ahmed Khan", "Dr. María López", "Dr. Wei Chen", "Dr. Olivia Brown"}
	// Free text with the characters a JSON encoder must get right: quotes, backslashes,
	// newlines, tabs, non-ASCII letters, HTML-ish characters.
	notes = []string{
		"No abnormalities found.",
		`Patient reports "mild" discomfort after dosing.`,
		"Follow-up in 2 weeks.\nNo further action required.",
		"Température légèrement élevée; surveillance renforcée.",
		`Sample re-taken: first tube haemolysed \ see lab note.`,
		"Visit performed by phone\tdue to travel restrictions.",
		"Größe und Gewicht bestätigt — keine Änderung.",
		"Subject fasted <8h & >4h prior to sampling.",
	}
)

func number(name, label string, lo, hi int64, dec int) varSpec {
	return varSpec{name: name, label: label, typ: vNumber, lo: lo, hi: hi, dec: dec}
}
func date(name, label string, required bool) varSpec {
	return varSpec{name: name, label: label, typ: vDate, required: required}
}
func radio(name, label string, choices ...string) varSpec {
	return varSpec{name: name, label: label, typ: vRadio, choices: choices}
}
func dropdown(name, label string, choices ...string) varSpec {
	return varSpec{name: name, label: label, typ: vDropdown, choices: choices}
}
func checkbox(name, label string) varSpec {
	return varSpec{name: name, label: label, typ: vCheckbox}
}
func text(name, label string, pool []string, required bool) varSpec {
	return varSpec{name: name, label: label, typ: vText, pool: pool, required: required}
}
func textarea(name, label string) varSpec {
	return varSpec{name: name, label: label, typ: vTextarea, pool: notes}
}

// catalogue is the list of forms a study is built from; StudyConfig.Forms takes a prefix of
// it (further forms are generated).
var catalogue = []formSpec{
	{key: "REG", name: "Registration", sched: inScreening,
		flags: formFlags{subjectRecordReport: true},
		vars: []varSpec{
			date("REGDT", "Registration date", true),
			{name: "INITIALS", label: "Subject initials", typ: vText, special: specInitials, required: true},
			checkbox("CONSENT", "Informed consent signed"),
			number("AGE", "Age at consent (years)", 18, 85, 0),
			radio("SEX", "Sex", "Male", "Female"),
			dropdown("COHORT", "Cohort", "Cohort A (low dose)", "Cohort B (mid dose)", "Cohort C (high dose)"),
		}},
	{key: "VS", name: "Vital Signs", sched: inScreening | inTreatment | inEOS,
		flags: formFlags{unscheduledVisit: true, allowCopy: true},
		vars: []varSpec{
			date("VSDT", "Date of measurement", true),
			number("SYSBP", "Systolic blood pressure (mmHg)", 90, 180, 0),
			number("DIABP", "Diastolic blood pressure (mmHg)", 55, 110, 0),
			number("PULSE", "Pulse (beats/min)", 48, 120, 0),
			number("TEMP", "Temperature (°C)", 355, 395, 1),
			number("WEIGHT", "Weight (kg)", 450, 1300, 1),
			checkbox("VSPERF", "Vital signs performed"),
		}},
	{key: "AE", name: "Adverse Events", sched: asLog, coded: "AETERM", dict: dictMedDRA,
		flags: formFlags{embeddedLog: true, unscheduledVisit: true, otherForms: true},
		vars: []varSpec{
			text("AETERM", "Adverse event term", aeTerms, true),
			date("AESTDT", "Start date", true),
			{name: "AEENDT", label: "End date", typ: vDate, special: specEnd},
			radio("AESEV", "Severity", "Mild", "Moderate", "Severe"),
			checkbox("AESER", "Serious"),
			dropdown("AEREL", "Relationship to study drug", "Not related", "Unlikely related", "Possibly related", "Probably related", "Definitely related"),
			dropdown("AEOUT", "Outcome", "Recovered", "Recovering", "Not recovered", "Fatal"),
			textarea("AECOMM", "Comments"),
		}},
	{key: "DM", name: "Demographics", sched: inScreening,
		vars: []varSpec{
			{name: "BRTHDT", label: "Date of birth", typ: vDate, special: specBirth, required: true},
			radio("SEX", "Sex", "Male", "Female"),
			dropdown("RACE", "Race", "White", "Black or African American", "Asian", "American Indian or Alaska Native", "Native Hawaiian or Other Pacific Islander"),
			radio("ETHNIC", "Ethnicity", "Hispanic or Latino", "Not Hispanic or Latino"),
			number("HEIGHT", "Height (cm)", 145, 200, 0),
			textarea("DMCOMM", "Comments"),
		}},
	{key: "LAB", name: "Laboratory", sched: inScreening | inTreatment,
		flags: formFlags{allowCopy: true},
		vars: []varSpec{
			date("LBDT", "Date of sample", true),
			number("HGB", "Haemoglobin (g/dL)", 90, 180, 1),
			number("WBC", "White blood cells (10^9/L)", 30, 120, 1),
			number("PLT", "Platelets (10^9/L)", 120, 450, 0),
			number("ALT", "ALT (U/L)", 5, 80, 0),
			dropdown("LBCLSIG", "Clinical significance", "Normal", "Abnormal, not clinically significant", "Abnormal, clinically significant"),
			checkbox("LBFAST", "Fasting"),
			textarea("LBCOMM", "Comments"),
		}},
	{key: "CM", name: "Concomitant Medications", sched: asLog, coded: "CMTRT", dict: dictWHODrug,
		flags: formFlags{embeddedLog: true, otherForms: true},
		vars: []varSpec{
			text("CMTRT", "Medication", cmTerms, true),
			text("CMINDC", "Indication", indications, false),
			number("CMDOSE", "Dose", 1, 1000, 0),
			dropdown("CMDOSU", "Dose unit", "mg", "g", "mL", "IU"),
			date("CMSTDT", "Start date", false),
			checkbox("CMONGO", "Ongoing"),
		}},
	{key: "MH", name: "Medical History", sched: inScreening,
		vars: []varSpec{
			text("MHTERM", "Condition", mhTerms, true),
			date("MHSTDT", "Start date", false),
			checkbox("MHONGO", "Ongoing"),
			radio("MHCAT", "Category", "Cardiovascular", "Respiratory", "Other"),
		}},
	{key: "PE", name: "Physical Examination", sched: inScreening | inEOS,
		vars: []varSpec{
			date("PEDT", "Date of examination", true),
			radio("PERES", "Result", "Normal", "Abnormal", "Not done"),
			checkbox("PEABN", "Abnormal findings"),
			textarea("PEDESC", "Description"),
		}},
	{key: "EX", name: "Study Drug Exposure", sched: inTreatment,
		vars: []varSpec{
			date("EXDT", "Date of dose", true),
			number("EXDOSE", "Dose (mg)", 50, 200, 0),
			checkbox("EXCOMP", "Dose taken as planned"),
			text("EXREASON", "Reason for deviation", exReasons, false),
			{name: "EXKIT", label: "Kit number", typ: vText, special: specKit, blinded: true},
		}},
	{key: "EOS", name: "End of Study", sched: inEOS,
		flags: formFlags{userAgreement: true},
		vars: []varSpec{
			date("EOSDT", "Date of completion or discontinuation", true),
			radio("EOSSTAT", "Status", "Completed", "Discontinued"),
			dropdown("EOSREAS", "Reason", "Adverse event", "Withdrawal of consent", "Lost to follow-up", "Physician decision", "Other"),
			textarea("EOSCOMM", "Comments"),
		}},
	{key: "SITE", name: "Site Information", sched: asSite,
		flags: formFlags{enforceOwnership: true},
		vars: []varSpec{
			text("SITEPI", "Principal investigator", piNames, true),
			date("SITEIRB", "IRB approval date", false),
			checkbox("SITEACT", "Site activated"),
			number("SITECAP", "Planned enrolment", 5, 200, 0),
			radio("SITETYPE", "Site type", "Academic", "Hospital", "Private practice"),
			textarea("SITENOTE", "Notes"),
		}},
	{key: "RETIRED", name: "Retired Questionnaire", sched: asDisabled,
		flags: formFlags{eproForm: true},
		vars: []varSpec{
			date("QSDT", "Date completed", false),
			number("QSSCORE", "Score", 0, 10, 0),
		}},
}

// extraForm returns the spec of generated form number n (13, 14, ...), scheduled in the
// treatment intervals.
func extraForm(n int) formSpec {
	p := "X" + itoa(n)
	return formSpec{key: "FORM" + itoa(n), name: "Additional Form " + itoa(n), sched: inTreatment,
		vars: []varSpec{
			date(p+"DT", "Date", true),
			number(p+"VAL", "Measurement", 0, 1000, 1),
			text(p+"TXT", "Observation", indications, false),
			checkbox(p+"CHK", "Confirmed"),
			radio(p+"OPT", "Option", "Option A", "Option B", "Option C", "Option D"),
		}}
}

// Site names, subject statuses, keywords, users and roles.
var (
	siteNames = []string{"Chicago Hope Hospital", "Minneapolis", "Boston General Hospital", "Mayo Clinic Rochester",
		"St. Mary's Medical Center", "Hôpital Saint-Louis", "Charité Berlin", "Karolinska Stockholm",
		"Royal London Hospital", "Toronto General"}
	subjectStatuses = []string{"Screened", "Enrolled", "Completed", "Withdrawn"}
	keywords        = []struct{ name, key string }{
		{"Data Entry Error", "DEE"}, {"Protocol Deviation", "PD"}, {"Screen Failure", "SF"},
		{"Lost to Follow-up", "LTFU"}, {"SAE Reported", "SAE"},
	}
	firstNames = []string{"William", "Mary", "James", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
		"Ahmed", "Sofia", "Wei", "Olivia", "Lukas", "Amélie", "Kenji", "Priya"}
	lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
		"Khan", "Rossi", "Chen", "O'Brien", "Müller", "Dubois", "Tanaka", "Patel"}
	roleDefs = []struct {
		name, desc, typ  string
		level, community int
	}{
		{"Principal Investigator", "Signs off subject data at the site", "Site", 2, 1},
		{"Research Coordinator", "Enters subject data at the site", "Site", 3, 1},
		{"Data Manager", "Reviews data and manages queries", "Sponsor", 1, 2},
		{"Monitor", "Verifies source data and raises queries", "Sponsor", 2, 2},
		{"Medical Coder", "Codes adverse events and medications", "Sponsor", 2, 2},
		{"Study Administrator", "Configures the study", "Admin", 0, 3},
	}
	queryDescs    = []string{"Monitor Query", "Data Manager Query", "Auto Query"}
	queryTypes    = []string{"question", "record", "subject"}
	queryComments = []string{
		"Please verify the value against the source document.",
		"Value confirmed as per source.",
		"Corrected, thank you.",
		"Date is before the visit date; please check.",
		"Query closed after review.",
		`Source says "n/a"; left blank.`,
	}
	revisionReasons = []string{"", "Data entry error", "Transcription error", "Source document updated", "Query response"}
	codingReasons   = []string{"Initial coding", "Typo fix", "Recoded after dictionary upgrade"}
)
