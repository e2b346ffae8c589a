package imednet

import "github.com/imednet/imednet-go/internal/wire"

// Keyword is a label attached to a subject or a record, such as "Data Entry Error".
type Keyword struct {
	KeywordName string    `json:"keywordName"`
	KeywordKey  string    `json:"keywordKey"` // short code, e.g. "DEE"
	KeywordID   int       `json:"keywordId"`
	DateAdded   Timestamp `json:"dateAdded"`
	Extra       Extra     `json:"-"` // members this version does not know
}

// UnmarshalJSON decodes a keyword tolerantly (see package wire).
func (k *Keyword) UnmarshalJSON(data []byte) error {
	*k = Keyword{}
	return wire.DecodeObject(data, &k.Extra, func(f *wire.Field) {
		switch f.Key {
		case "keywordName":
			f.String(&k.KeywordName)
		case "keywordKey":
			f.String(&k.KeywordKey)
		case "keywordId":
			f.Int(&k.KeywordID)
		case "dateAdded":
			f.Time(&k.DateAdded)
		default:
			f.Keep()
		}
	})
}
