import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { parseInput } from '@tollgate/application';
import { subjects } from '@tollgate/contracts';
import { CommandForwarder } from './command-forwarder';
import { commandPath } from './gateway.requests';
import { Operator } from './operator.decorator';

/**
 * The generic control channel: any allow-listed `tollgate.cmd.<service>.<name>`, reached over HTTP.
 * A command acts for the operator (the body gets `actor`); a query is forwarded as it is, since query
 * contracts take no actor. The answer is the service's reply as JSON (an empty body when it has none).
 */
@Controller('api')
export class ControlChannelController {
  constructor(private readonly forwarder: CommandForwarder) {}

  @Post('commands/:service/:name')
  @HttpCode(200)
  command(@Param() path: unknown, @Body() body: unknown, @Operator() actor: string): Promise<unknown> {
    return this.forwarder.forward('command', subjectOf(path), body, actor);
  }

  @Post('queries/:service/:name')
  @HttpCode(200)
  query(@Param() path: unknown, @Body() body: unknown, @Operator() actor: string): Promise<unknown> {
    return this.forwarder.forward('query', subjectOf(path), body, actor);
  }
}

function subjectOf(path: unknown): string {
  const { service, name } = parseInput(commandPath, path, 'command path');
  return subjects.command(service, name);
}
