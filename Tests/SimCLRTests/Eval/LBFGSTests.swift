import SimCLR
import Testing

@Suite struct LBFGSTests {
    @Test func minimisesTheRosenbrockFunction() {
        var minimizer = LBFGS()
        minimizer.gradientTolerance = 1e-8
        let result = minimizer.minimize(from: [-1.2, 1]) { p, g in
            let a = 1 - p[0], b = p[1] - p[0] * p[0]
            g[0] = -2 * a - 400 * p[0] * b
            g[1] = 200 * b
            return a * a + 100 * b * b
        }
        #expect(abs(result.parameters[0] - 1) < 1e-6 && abs(result.parameters[1] - 1) < 1e-6, "\(result.parameters)")
        #expect(result.stopReason == .gradientTolerance || result.stopReason == .functionTolerance)
    }

    @Test func stopsAtTheIterationLimit() {
        var minimizer = LBFGS()
        minimizer.maximumIterations = 3
        minimizer.gradientTolerance = 0
        minimizer.functionTolerance = 0
        let result = minimizer.minimize(from: [-1.2, 1]) { p, g in
            let a = 1 - p[0], b = p[1] - p[0] * p[0]
            g[0] = -2 * a - 400 * p[0] * b
            g[1] = 200 * b
            return a * a + 100 * b * b
        }
        #expect(result.iterations == 3)
        #expect(result.stopReason == .maximumIterations)
    }

    @Test func alreadyOptimalStartStopsWithoutSteps() {
        let result = LBFGS().minimize(from: [0, 0]) { p, g in
            g[0] = 2 * p[0]; g[1] = 2 * p[1]
            return p[0] * p[0] + p[1] * p[1]
        }
        #expect(result.iterations == 0 && result.stopReason == .gradientTolerance)
    }
}
