// PgJDBC (Debian's libpostgresql-jdbc-java) threads, one connection each,
// doing prepared-statement-heavy work through the proxy: PreparedStatements
// executed past prepareThreshold (so the driver switches to named,
// server-prepared statements S_1, S_2...), batches, and transactions.
// Prints one line: done=N wrong=N server_prepared=N errors=N, then the first
// errors. Used by test_pg_jdbc.py (compiled there with javac).
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import org.postgresql.PGStatement;

public class JdbcPrepared {
  static final AtomicInteger done = new AtomicInteger();
  static final AtomicInteger wrong = new AtomicInteger();
  static final AtomicInteger serverPrepared = new AtomicInteger();
  static final List<String> errors = Collections.synchronizedList(new ArrayList<>());

  public static void main(String[] args) throws Exception {
    String url = "jdbc:postgresql://" + args[0] + ":" + args[1] + "/" + args[4];
    Properties props = new Properties();
    props.setProperty("user", args[2]);
    props.setProperty("password", args[3]);
    props.setProperty("sslmode", "disable");
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "60");
    props.setProperty("prepareThreshold", args[7]);
    int threads = Integer.parseInt(args[5]);
    int rounds = Integer.parseInt(args[6]);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      final int index = t;
      Thread worker = new Thread(() -> work(url, props, index, rounds));
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) worker.join(120_000);
    System.out.println("done=" + done.get() + " wrong=" + wrong.get() + " server_prepared=" + serverPrepared.get()
        + " errors=" + errors.size());
    for (int i = 0; i < Math.min(5, errors.size()); i++) System.out.println(errors.get(i));
  }

  static void work(String url, Properties props, int index, int rounds) {
    try (Connection conn = DriverManager.getConnection(url, props);
         PreparedStatement lookup = conn.prepareStatement("SELECT name, price FROM items WHERE id = ?");
         PreparedStatement own = conn.prepareStatement("SELECT ?::int + " + index);
         PreparedStatement bump = conn.prepareStatement("UPDATE counters SET n = n + 1 WHERE client = ?");
         PreparedStatement read = conn.prepareStatement("SELECT n FROM counters WHERE client = ?");
         PreparedStatement insert = conn.prepareStatement("INSERT INTO batch_rows (client, k) VALUES (?, ?)")) {
      int bumps = 0;
      for (int i = 0; i < rounds; i++) {
        try {
          int id = (i * 7 + index) % 1000 + 1;
          lookup.setInt(1, id);
          try (ResultSet rs = lookup.executeQuery()) {
            if (!rs.next() || !rs.getString(1).equals("item" + id)) wrong.incrementAndGet();
          }
          own.setInt(1, i);
          try (ResultSet rs = own.executeQuery()) {
            if (!rs.next() || rs.getInt(1) != i + index) wrong.incrementAndGet();
          }
          if (i % 10 == 0) {
            // A transaction with a batch: one server connection until COMMIT.
            conn.setAutoCommit(false);
            bump.setInt(1, index);
            bump.executeUpdate();
            for (int k = 0; k < 5; k++) {
              insert.setInt(1, index);
              insert.setInt(2, i * 10 + k);
              insert.addBatch();
            }
            insert.executeBatch();
            read.setInt(1, index);
            try (ResultSet rs = read.executeQuery()) {
              if (!rs.next() || rs.getInt(1) != bumps + 1) wrong.incrementAndGet();
            }
            conn.commit();
            conn.setAutoCommit(true);
            bumps++;
          }
          done.incrementAndGet();
        } catch (SQLException e) {
          errors.add("thread " + index + " round " + i + ": " + e.getSQLState() + " " + e.getMessage());
          try {
            if (!conn.getAutoCommit()) {
              conn.rollback();
              conn.setAutoCommit(true);
            }
          } catch (SQLException ignored) {
            // the next round reports it
          }
        }
      }
      if (lookup.unwrap(PGStatement.class).isUseServerPrepare()) serverPrepared.incrementAndGet();
    } catch (Exception e) {
      errors.add("thread " + index + ": " + e);
    }
  }
}
