import HeraldCore
import Testing

/// File names come from the schedule's pattern, each variable made safe for a path segment, the dates being the
/// run's logical time.
struct FileNamePatternTests {
    @Test func placeholdersAreFilledSafely() throws {
        let pattern = try FileNamePattern("{report_name}_{date}_{time}.{format}")
        #expect(pattern.fileName(reportName: "Weekly sales", localDateTime: "2026-11-23 07:00", format: "csv", executionID: "e1")
                == "Weekly sales_2026-11-23_0700.csv")
        #expect(pattern.fileName(reportName: "../../etc/passwd", localDateTime: "2026-11-23 07:00", format: "csv", executionID: "e1")
                == "_.._etc_passwd_2026-11-23_0700.csv")
        #expect(try FileNamePattern("{execution_id}.{format}").fileName(reportName: "", localDateTime: "2026-11-23 07:00", format: "csv", executionID: "abc")
                == "abc.csv")
    }

    @Test func scheduleNameLogicalDateAndDateFormats() throws {
        let pattern = try FileNamePattern("{schedule_name}-{date:yyyyMMdd_HHmm}-{logical_date}-{date:yy.MM}.{format}")
        #expect(pattern.fileName(reportName: "Sales", scheduleName: "EU / weekly", localDateTime: "2026-03-09 23:30:00", format: "xlsx", executionID: "x")
                == "EU _ weekly-20260309_2330-2026-03-09-26.03.xlsx")
        // Without a schedule, {schedule_name} reads as the report's name.
        #expect(try FileNamePattern("{schedule_name}_{date:yyyy-MM}.csv").fileName(reportName: "Sales", localDateTime: "2026-03-09 23:30", format: "csv", executionID: "x")
                == "Sales_2026-03.csv")
    }

    @Test func badPatternsAreRefusedWithAReason() {
        for bad in ["{nope}.csv", "a/{date}.csv", "{date.csv", "{date:}.csv", "{date:abc}.csv", "..\\x", "{date:yyyy/MM}.csv"] {
            #expect(throws: ValidationError.self, "\(bad)") { try FileNamePattern(bad) }
        }
    }
}
