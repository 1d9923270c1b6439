import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { Global, Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ExceptionReport } from '@vigil/contracts';
import { JsonNestLogger, VIGIL_CONFIG, loggerFor, type VigilConfig } from '@vigil/config';
import { PersistenceModule } from '@vigil/persistence';
import { DetectorsModule } from '../../detectors/detectors.module';
import { CaseReporter } from '../../events/case-reporter';
import { EventsModule } from '../../events/events.module';
import { IngestService } from '../../events/ingest.service';
import { MetricsModule } from '../../metrics/metrics.module';
import { TemporalModule } from '../../temporal/temporal.module';
import type { FromGuardrailThread, GuardrailThreadData, ToGuardrailThread } from './protocol';

/**
 * The guardrail thread: the API's own ingest path (IngestService with its baseline cache
 * and the detectors) and case reporting (CaseReporter, with the outbox), on a database
 * connection and a Temporal connection of their own. The API's main thread hands it the
 * allowed tool calls of POST /v1/authorize to ingest and the denials to report, so that
 * their database writes, detection and Temporal calls never hold up an authorization.
 */
@Global()
@Module({})
class ThreadConfigModule {
  static of(config: VigilConfig): DynamicModule {
    return {
      module: ThreadConfigModule,
      providers: [{ provide: VIGIL_CONFIG, useValue: config }],
      exports: [VIGIL_CONFIG],
    };
  }
}

@Module({})
class GuardrailThreadModule {
  static of(config: VigilConfig): DynamicModule {
    return {
      module: GuardrailThreadModule,
      imports: [
        ThreadConfigModule.of(config),
        PersistenceModule,
        MetricsModule,
        TemporalModule,
        DetectorsModule,
        EventsModule,
      ],
    };
  }
}

function send(message: FromGuardrailThread): void {
  parentPort!.postMessage(message);
}

async function main(): Promise<void> {
  const { config } = workerData as GuardrailThreadData;
  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(GuardrailThreadModule.of(config), {
      bufferLogs: true,
      abortOnError: false,
    });
    app.useLogger(new JsonNestLogger(loggerFor(config, 'api')));
    await app.init();
  } catch (error) {
    send({ type: 'start-failed', message: messageOf(error) });
    return;
  }
  const ingest = app.get(IngestService);
  const reporter = app.get(CaseReporter);
  let stopping = false;
  parentPort!.on('message', (message: ToGuardrailThread) => {
    switch (message.type) {
      case 'ingest':
        ingest.ingestItems(JSON.parse(message.events) as unknown[], [], 'events', 'authorize').then(
          ({ result }) =>
            send({
              type: 'ingested',
              id: message.id,
              counts: {
                accepted: result.accepted,
                duplicates: result.duplicates,
                rejected: result.rejected.map(({ code }) => ({ code })),
              },
            }),
          (error: unknown) => send({ type: 'failed', id: message.id, message: messageOf(error) }),
        );
        return;
      case 'report':
        reporter.report(JSON.parse(message.reports) as ExceptionReport[]).then(
          (outcomes) => send({ type: 'reported', id: message.id, outcomes }),
          (error: unknown) => send({ type: 'failed', id: message.id, message: messageOf(error) }),
        );
        return;
      case 'stop':
        if (stopping) return;
        stopping = true;
        // Closing the context writes the buffered baseline changes and ends the connections.
        void app
          .close()
          .catch(() => undefined)
          .finally(() => {
            send({ type: 'stopped' });
            parentPort!.close();
          });
        return;
    }
  });
  send({ type: 'ready' });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

void main();
