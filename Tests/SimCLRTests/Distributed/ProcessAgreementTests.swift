import SimCLR
import SimCLRTestSupport
import Testing

/// `ProcessAgreement` over K in-process "processes": equal fields pass, one process with another
/// value makes every process throw naming the field.
@Suite struct ProcessAgreementTests {
    @Test(arguments: [2, 3, 5])
    func everyProcessSeesTheSameVerdict(processes: Int) {
        let communicators = ThreadGroupCommunicator.group(size: processes)
        let agreeing = ThreadGroupCommunicator.run(communicators) { _, communicator in
            (try? ProcessAgreement.check([("arguments", "{\"a\":1}"), ("step", "35")], over: communicator)) != nil
        }
        #expect(agreeing == Array(repeating: true, count: processes))

        let odd = processes - 1
        let verdicts = ThreadGroupCommunicator.run(communicators) { rank, communicator -> String? in
            do {
                try ProcessAgreement.check([("arguments", "{\"a\":1}"), ("step", rank == odd ? "20" : "35")], over: communicator)
                return nil
            } catch {
                return "\(error)"
            }
        }
        for verdict in verdicts {
            #expect(verdict?.contains("their step differ") == true, "\(verdict ?? "no error")")
        }
    }
}
