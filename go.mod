module github.com/imednet/imednet-go

go 1.26
