package io.datapurge.plugin;

import java.util.Map;

/** Help in kubectl's layout: a description, examples, options, usage, and where the global options are. */
final class Help {

  private Help() {}

  static final String GLOBAL = """

      Global options (as kubectl's, handed to every kubectl call the plugin makes):
          --kubeconfig='': Path to the kubeconfig file (default: KUBECONFIG, which may list several files, or ~/.kube/config).
          --context='': The name of the kubeconfig context to use.
          -n, --namespace='': The namespace of the resources (default: the context's namespace).
          --cluster, --user, --as, --as-group, --server, --token, --request-timeout, -v: as in "kubectl options".
      """;

  static final String ROOT = """
      Review, approve and follow UserDataPurge runs.

      A UserDataPurge without spec.confirm stops at AwaitingConfirmation with a plan: the rows each table would lose.
      "kubectl purge approve" approves exactly that plan (by its id, status.plan.id) through the annotation
      datapurge.io/approve, so a GitOps tool can keep applying the plan-only manifest.

       Available Commands:
        status      Show the phase, the plan or result per table, and what to do next
        approve     Approve the current plan of a purge, after typing the database name
        logs        Print the log of a purge's Job
        history     List the runs of a namespace or of a schedule, newest first
        run         Run a purge now from a schedule's template

      Examples:
        # Follow a plan until it awaits confirmation, then approve it
        kubectl purge status reset-staging -n staging -w
        kubectl purge approve reset-staging -n staging

      Usage:
        kubectl purge <command> [flags] [options]

      Use "kubectl purge <command> --help" for more information about a given command.
      """ + GLOBAL;

  static final Map<String, String> COMMANDS = Map.of(
      "status", """
          Show a purge: its phase, database, reason and message, the plan (the rows each table would lose) or the
          result (rows before, deleted and after), the plan id and the approval. Without NAME, list the purges of
          the namespace.

          Examples:
            # List the purges of the current namespace
            kubectl purge status

            # Show one purge
            kubectl purge status reset-staging -n staging

            # Follow it until it reaches a final phase (AwaitingConfirmation, Succeeded, Failed, Blocked)
            kubectl purge status reset-staging -n staging -w

          Options:
              -w, --watch=false:
          \tAfter showing the purge, watch it and show it again at each change, until a final phase.

          Usage:
            kubectl purge status [NAME] [-w] [options]
          """,
      "approve", """
          Approve the current plan of a purge. Shows the plan, asks you to type the database name, then sets the
          annotation datapurge.io/approve to the plan's id (status.plan.id). The operator purges only while that id
          names the current plan: if the spec changes, the approval no longer applies. The purge itself still checks
          that the server's current_database() is that name.

          Refused when the purge has no plan yet, when the plan is stale (the spec changed since it was made), or when
          the name typed differs. Without a terminal, pass --confirm.

          Examples:
            # Review the plan and type the database name to approve it
            kubectl purge approve reset-staging -n staging

            # In a script: approve only if the plan counts this database
            kubectl purge approve reset-staging -n staging --confirm pyfactor

          Options:
              --confirm='':
          \tThe database name, instead of typing it at the prompt.

          Usage:
            kubectl purge approve NAME [--confirm DBNAME] [options]
          """,
      "logs", """
          Print the log of the Job that runs (or ran) the purge's plan or purge: the one status.jobName names.
          A finished Job is removed after its TTL, and its log with it; the counts stay in the status.

          Examples:
            # The log of the current run
            kubectl purge logs reset-staging -n staging

            # Follow it while the Job runs
            kubectl purge logs reset-staging -n staging -f

          Options:
              -f, --follow=false:
          \tStream the log while the Job runs.

          Usage:
            kubectl purge logs NAME [-f] [options]
          """,
      "history", """
          List runs, newest first: the UserDataPurges of the namespace, or, with SCHEDULE, the runs a
          UserDataPurgeSchedule created (label datapurge.io/schedule=SCHEDULE).

          Examples:
            # Every purge of the namespace
            kubectl purge history -n staging

            # The runs of the schedule nightly
            kubectl purge history nightly -n staging

          Usage:
            kubectl purge history [SCHEDULE] [options]
          """,
      "run", """
          Create one purge now from a UserDataPurgeSchedule's template (spec.template.spec), labelled and owned
          like the schedule's own runs, as "kubectl create job --from=cronjob/NAME" does for a CronJob. Without
          confirm in the template, the run stops at AwaitingConfirmation with a plan to approve.

          Examples:
            # Plan (or purge, if the template confirms) now, from the schedule nightly
            kubectl purge run --from schedule/nightly -n staging

            # The same with a name of your own
            kubectl purge run --from schedule/nightly --name nightly-by-hand -n staging

          Options:
              --from='':
          \tThe schedule whose template to run, as schedule/NAME.

              --name='':
          \tThe new purge's name (default: SCHEDULE-manual-<UTC time>).

          Usage:
            kubectl purge run --from schedule/NAME [--name NAME] [options]
          """);

  static String of(String command) {
    return COMMANDS.get(command) + "\nUse \"kubectl purge --help\" for the global options.\n";
  }
}
