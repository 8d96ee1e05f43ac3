package api

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// ID is an id in a request body. Scripts often send ids they read back as
// strings, so both 12 and "12" are accepted; anything else is an error.
type ID int64

// UnmarshalJSON accepts a positive integer or a string holding one.
func (id *ID) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*id = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return errors.New("must be a positive integer id")
	}
	*id = ID(n)
	return nil
}
