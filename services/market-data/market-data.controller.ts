import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { marketDataSubjects, type MarketDataStatus } from './market-data.commands';
import { MarketDataFeed } from './market-data.handlers';

/** The feed publishes on its own; on the bus it only answers how it is doing. */
@Controller()
export class MarketDataController {
  constructor(private readonly feed: MarketDataFeed) {}

  @MessagePattern(marketDataSubjects.status)
  status(): MarketDataStatus {
    return this.feed.status();
  }
}
