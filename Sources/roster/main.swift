import RosterCLI

RosterCommand.main()
