from depcheck.entry import console

console()
