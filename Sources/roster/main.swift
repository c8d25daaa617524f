import RosterCLI

RosterCommand.start()
