import Core
import Dispatch
import Foundation
import Testing
import TestSupport

/// Hostile bodies on every body route, end to end through nginx: an 80,000-member
/// object is refused in milliseconds, prices with 2^63 exponents are 422s, and thousands
/// of fuzzed bodies all get a 2xx or a 4xx problem document — while the pool's crash
/// counter stays where it was.
///
/// Serialized: the crash counter is pool-wide, so nothing else may run beside these.
/// `/register` and `/auth/login` get only bodies that fail before the password hash, and
/// few of them, slowly (nginx rate-limits those routes).
@Suite(.serialized) struct HostileBodiesTests {
    /// The stack's body routes, with what they need: a user of their own, a product, an
    /// author and a book.
    struct Targets {
        let user: Auth.Account
        let routes: [BodyFuzzer.Route]

        init() throws {
            user = try Auth.newUser("fuzz")
            let product = try Fixtures.createProduct(name: TestStack.uniqueTag("fuzz"))
            let author = try HTTP.send("POST", "/authors", json: ["name": "Fuzz Author"], headers: user.headers)
            guard author.status == 201, case .number(let authorText)? = author["id"], let authorID = Int64(authorText) else {
                throw HTTP.Failure(description: "create author: \(author.status) \(author.text)")
            }
            let book = try HTTP.send("POST", "/books", json: ["title": "Fuzz Book", "author_id": .int(authorID)], headers: user.headers)
            guard book.status == 201, case .number(let bookID)? = book["id"] else {
                throw HTTP.Failure(description: "create book: \(book.status) \(book.text)")
            }
            let productFields: [(String, BodyFuzzer.Field)] = [("name", .text(maxLength: 200)), ("description", .text(maxLength: 10_000)), ("price", .price)]
            let bookFields: [(String, BodyFuzzer.Field)] = [("title", .text(maxLength: 500)), ("author_id", .id(valid: authorID)), ("isbn", .isbn), ("published_year", .year)]
            routes = [
                .init(method: "POST", path: "/register", headers: [],
                      fields: [("email", .email), ("password", .text(maxLength: 1024)), ("name", .text(maxLength: 200))], refuseBeforeHashing: true),
                .init(method: "POST", path: "/auth/login", headers: [],
                      fields: [("email", .email), ("password", .text(maxLength: 1024))], refuseBeforeHashing: true),
                .init(method: "PATCH", path: "/users/\(user.id)", headers: user.headers,
                      fields: [("name", .text(maxLength: 200)), ("email", .email), ("role", .role)]),
                .init(method: "POST", path: "/products", headers: Auth.admin, fields: productFields),
                .init(method: "PUT", path: "/products/\(product)", headers: Auth.admin, fields: productFields),
                .init(method: "PATCH", path: "/products/\(product)", headers: Auth.admin, fields: productFields),
                .init(method: "POST", path: "/authors", headers: user.headers, fields: [("name", .text(maxLength: 200)), ("bio", .text(maxLength: 10_000))]),
                .init(method: "POST", path: "/books", headers: user.headers, fields: bookFields),
                .init(method: "PUT", path: "/books/\(bookID)", headers: user.headers, fields: bookFields),
            ]
        }

        /// The routes that send bytes nginx does not rate-limit.
        var unlimited: [BodyFuzzer.Route] { routes.filter { !$0.refuseBeforeHashing } }
        var rateLimited: [BodyFuzzer.Route] { routes.filter(\.refuseBeforeHashing) }
    }

    /// The operations of `/openapi.json` that take a body, as `METHOD /template`.
    private static func documentedBodyRoutes() throws -> Set<String> {
        guard case .object(let paths)? = try HTTP.get("/openapi.json")["paths"] else { throw HTTP.Failure(description: "no paths") }
        var routes = Set<String>()
        for (path, item) in paths.members {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations.members {
                if case .object(let operation) = operation, operation["requestBody"] != nil { routes.insert("\(method.uppercased()) \(path)") }
            }
        }
        return routes
    }

    /// `/users/42` → `/users/{id}`.
    private static func template(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.allSatisfy(\.isNumber) && !$0.isEmpty ? "{id}" : String($0) }.joined(separator: "/")
    }

    private static func milliseconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    @Test func anEightyThousandMemberObjectIsRefusedFastOnEveryBodyRoute() throws {
        let targets = try Targets()
        #expect(Set(targets.routes.map { "\($0.method) \(Self.template($0.path))" }) == (try Self.documentedBodyRoutes()),
                "these are all the body routes the service documents")
        let crashedBefore = try PoolHealth.crashedWorkers()
        let body = HostileJSON.wideObject(members: 80_000)
        #expect((860_000...880_000).contains(body.count), "about 869 KB: \(body.count) bytes")
        var report: [String] = []
        for route in targets.routes {
            let start = DispatchTime.now().uptimeNanoseconds
            let response = try HTTP.send(route.method, route.path, headers: route.headers + [("Content-Type", "application/json")], body: body)
            let elapsed = Self.milliseconds(since: start)
            report.append("\(route) \(Int(elapsed.rounded())) ms")
            Fixtures.expectProblem(response, 413)
            #expect(response["detail"] == .string("The request body exceeds a limit: an object has more than \(JSONParser.Limits.requestBody.members) members."),
                    "\(route): \(response.text)")
            // The limit is 50 ms on a quiet machine; this bound only catches parsing it all.
            #expect(elapsed < 500, "\(route) answered in \(elapsed) ms")
        }
        print("80,000-member object (\(body.count) bytes), client-side time per route: \(report.joined(separator: ", "))")
        #expect(try PoolHealth.crashedWorkers() == crashedBefore, "no worker crashed")
    }

    @Test func pricesWithTwoToTheSixtyThirdExponentsAre422AndTheWorkerSurvives() throws {
        let product = try Fixtures.createProduct(name: TestStack.uniqueTag("exp"))
        let before = try Fixtures.productRow(product)
        let crashedBefore = try PoolHealth.crashedWorkers()
        for price in ["1e-9223372036854775808", "1e9223372036854775808", "-1e-9223372036854775808", "0e-9223372036854775808",
                      "1E+9223372036854775808", "1e-9223372036854775807", "1e99999999999999999999999999999"] {
            for (method, path) in [("POST", "/products"), ("PUT", "/products/\(product)"), ("PATCH", "/products/\(product)")] {
                let body = Array(#"{"name":"Exponent","price":\#(price)}"#.utf8)
                let response = try HTTP.send(method, path, headers: Auth.admin + [("Content-Type", "application/json")], body: body)
                Fixtures.expectProblem(response, 422)
                #expect(Fixtures.errorFields(response) == ["price"], "\(method) \(path) price \(price): \(response.text)")
            }
        }
        #expect(try Fixtures.productRow(product) == before, "nothing was written")
        #expect(try PoolHealth.crashedWorkers() == crashedBefore, "no worker crashed")
        #expect(try HTTP.get("/products/\(product)").status == 200, "the pool still serves")
    }

    @Test func fuzzedBodiesOnEveryBodyRouteGet2xxOr4xx() throws {
        let run = FuzzRun()
        let targets = try Targets()
        let crashedBefore = try PoolHealth.crashedWorkers()
        let failures = Locked<[String]>([])
        let statuses = Locked<[Int: Int]>([:])
        @Sendable func check(_ route: BodyFuzzer.Route, _ number: Int, _ contentType: String?, _ body: [UInt8]) {
            let which = number < 0 ? "corpus entry \(-1 - number)" : run.caseLabel(number)
            let label = "\(route) \(which) (\(body.count) bytes, Content-Type \(contentType ?? "none"))"
            do {
                let headers = route.headers + (contentType.map { [("Content-Type", $0)] } ?? [])
                let response = try HTTP.send(route.method, route.path, headers: headers, body: body)
                statuses.withValue { $0[response.status, default: 0] += 1 }
                if !(200..<300).contains(response.status) && !(400..<500).contains(response.status) {
                    failures.withValue { $0.append("\(label): \(response.status) \(response.text.prefix(200))") }
                } else if response.status >= 400, response.header("Content-Type") != "application/problem+json" {
                    failures.withValue { $0.append("\(label): \(response.status) is not problem+json") }
                }
            } catch {
                failures.withValue { $0.append("\(label): no answer (\(error))") }
            }
        }

        let started = DispatchTime.now().uptimeNanoseconds
        let clients = DispatchGroup()
        func client(_ body: @escaping @Sendable () -> Void) {
            clients.enter()
            Thread { body(); clients.leave() }.start()
        }
        // The password routes on a client of their own, at 2.5 a second: slow enough that
        // nginx's rate limits on them (10 a second per address here) leave every request
        // to the service, which is what is being tested.
        let rateLimitedCases = max(10, run.endToEndCases / 200)
        client {
            for number in 0..<rateLimitedCases {
                let route = targets.rateLimited[number % targets.rateLimited.count]
                var generator = run.generator(stream: 11, case: number)
                let (contentType, body) = BodyFuzzer.request(for: route, using: &generator)
                check(route, number, contentType, body)
                usleep(400_000)
            }
        }
        // The other routes from four clients at once, as many as the pool has workers:
        // first the known-hostile corpus on each, then the generated cases.
        let corpus = targets.unlimited.flatMap { route in BodyFuzzer.corpus(for: route).map { (route, $0.0, $0.1) } }
        let width = 4
        for first in 0..<width {
            client {
                for index in stride(from: first, to: corpus.count, by: width) {
                    check(corpus[index].0, -1 - index, corpus[index].1, corpus[index].2)
                }
                for number in stride(from: first, to: run.endToEndCases, by: width) {
                    var generator = run.generator(stream: 10, case: number)
                    let route = targets.unlimited.randomElement(using: &generator)!
                    let (contentType, body) = BodyFuzzer.request(for: route, using: &generator)
                    check(route, number, contentType, body)
                }
            }
        }
        clients.wait()
        let seconds = Self.milliseconds(since: started) / 1000
        let counts = statuses.withValue { $0 }.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        print("fuzz end to end: \(corpus.count) corpus + \(run.endToEndCases) generated + \(rateLimitedCases) password-route cases in \(Int(seconds.rounded())) s, CATALOG_FUZZ_SEED=\(run.seed): \(counts)")

        let found = failures.withValue { $0 }
        #expect(found.isEmpty, "\(found.count) failures, the first: \(found.prefix(10).joined(separator: "\n"))")
        #expect(try PoolHealth.crashedWorkers() == crashedBefore, "no worker crashed")
    }
}
